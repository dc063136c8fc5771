import type { Readable } from 'node:stream';
import type { Logger } from '@vigil/service-kit';
import type { z } from 'zod';
import type { Config } from '../config';
import type { LineSink } from '../lines';
import type { SourceStats } from '../stats';
import type { OffsetStore } from './offsets';

export interface InputContext {
  source: string;
  sink: LineSink;
  stats: SourceStats;
  log: Logger;
  maxLineBytes: number;
  files: Config['files'];
  offsets: OffsetStore;
  stdin: Readable;
  /**
   * Nothing is known of this source's past (a first start without a state file, or a source a reload
   * added): files found at its first pass with no saved offset are read per files.start_at. Otherwise every
   * file without a saved offset is new since the last look, and read whole.
   */
  fresh: boolean;
}

export interface Input {
  /** Resolves once the input reads (files: after the first pass over them; listeners: once bound). */
  start(): Promise<void>;
  /** Reads what is there to read now (files: one pass over them), for --one-shot and tests. */
  catchUp(): Promise<void>;
  /**
   * Stops reading and releases files and sockets; file offsets are saved. `atEnd` (--one-shot): the files
   * are read to their end, so a last line without its newline is a line, as mtail's --one_shot takes it.
   */
  stop(atEnd?: boolean): Promise<void>;
  /** Bytes written to its files and not read yet (0 for streams). */
  lagBytes(): number;
  /** Open files (0 for streams). */
  openFiles(): number;
  /** Listeners: the port bound (which port 0 picks). */
  port?(): number;
}

export interface InputKind<S extends z.ZodObject = z.ZodObject> {
  kind: string;
  /** Settings beside `kind` in a source's `input:` block. */
  settings: S;
  create(settings: z.output<S>, ctx: InputContext): Input;
}
