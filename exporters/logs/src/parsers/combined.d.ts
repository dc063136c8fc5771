import type { ParserKind } from './kind';
export declare const combinedParser: ParserKind;
