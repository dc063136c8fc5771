import { combinedParser } from './combined';
import { jsonParser } from './json';
import type { ParserKind } from './kind';
import { regexParser } from './regex';
import { sshdParser } from './sshd';
import { sudoParser } from './sudo';
import { syslogParser } from './syslog';

/** Every parser, by the `kind` a source's `parser:` block names. */
export const PARSER_KINDS: ReadonlyMap<string, ParserKind> = new Map(
  [regexParser, jsonParser, combinedParser, syslogParser, sshdParser, sudoParser].map((p) => [p.kind, p]),
);
