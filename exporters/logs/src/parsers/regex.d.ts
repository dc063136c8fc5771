import type { ParserKind } from './kind';
/** A regular expression with named groups; each group that took part in the match becomes a field. */
export declare const regexParser: ParserKind;
