import type { ParserKind } from './kind';
/** Every parser, by the `kind` a source's `parser:` block names. */
export declare const PARSER_KINDS: ReadonlyMap<string, ParserKind>;
