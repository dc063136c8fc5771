import { z } from 'zod';
import type { InputKind } from './kind';
declare const settings: z.ZodObject<{}, z.core.$strict>;
/** Lines piped to the exporter (`app | vigil-logs`); the last line is taken at end of input. */
export declare const stdinInput: InputKind<typeof settings>;
export {};
