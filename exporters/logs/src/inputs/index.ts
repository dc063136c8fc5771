import { fileInput } from './file';
import type { InputKind } from './kind';
import { stdinInput } from './stdin';
import { syslogInput } from './syslog';

/** Every input, by the `kind` a source's `input:` block names. */
export const INPUT_KINDS: ReadonlyMap<string, InputKind> = new Map(
  ([fileInput, stdinInput, syslogInput] as InputKind[]).map((i) => [i.kind, i]),
);
