import type { InputKind } from './kind';
/** Every input, by the `kind` a source's `input:` block names. */
export declare const INPUT_KINDS: ReadonlyMap<string, InputKind>;
