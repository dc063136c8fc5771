/**
 * Paths matching a glob (`*`, `?`, `[…]`, and `**` for any depth of directories), sorted. Node 20 has no
 * fs.glob; logs need no more than this.
 */
export declare function expandGlob(pattern: string): string[];
/** Whether a path matches a glob, for `exclude`: a pattern without "/" is tested on the file name. */
export declare function matchesGlob(path: string, pattern: string): boolean;
