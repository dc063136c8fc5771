import type { z } from 'zod';
/** Named fields of one parsed line; every value is a string, as it becomes a label value or a number. */
export type Fields = Record<string, string>;
/** The line is of the parser's format but cannot be decoded (bad JSON, a malformed header). */
export declare class ParseError {
    readonly reason: string;
    constructor(reason: string);
}
/**
 * A parser turns a line into fields; undefined means the line is not of its format (unmatched, which is
 * normal in mixed logs such as auth.log), a ParseError that it is but is broken.
 */
export type Parser = (line: string) => Fields | undefined | ParseError;
export interface ParserKind<S extends z.ZodObject = z.ZodObject> {
    kind: string;
    /** Settings beside `kind` in a source's `parser:` block. */
    settings: S;
    create(settings: z.output<S>): Parser;
}
