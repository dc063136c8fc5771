"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.expandGlob = expandGlob;
exports.matchesGlob = matchesGlob;
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const MAGIC = /[*?[]/;
/** A glob path segment as a regex: `*` and `?` never match "/", `[…]` is a character class. */
function segmentRegex(segment) {
    let re = '';
    for (let i = 0; i < segment.length; i++) {
        const c = segment[i];
        if (c === '*')
            re += '[^/]*';
        else if (c === '?')
            re += '[^/]';
        else if (c === '[') {
            const end = segment.indexOf(']', i + 1);
            if (end < 0)
                re += '\\[';
            else {
                re += `[${segment
                    .slice(i + 1, end)
                    .replace(/^!/, '^')
                    .replace(/\\/g, '\\\\')}]`;
                i = end;
            }
        }
        else
            re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`);
}
function entries(dir) {
    try {
        return (0, node_fs_1.readdirSync)(dir, { withFileTypes: true });
    }
    catch {
        // A directory that does not exist (yet) or cannot be read matches nothing; the next poll looks again.
        return [];
    }
}
/**
 * Paths matching a glob (`*`, `?`, `[…]`, and `**` for any depth of directories), sorted. Node 20 has no
 * fs.glob; logs need no more than this.
 */
function expandGlob(pattern) {
    const absolute = pattern.startsWith('/');
    const segments = pattern.split('/').filter((s) => s !== '');
    const found = [];
    const walk = (dir, i) => {
        if (i === segments.length) {
            found.push(dir);
            return;
        }
        const segment = segments[i];
        if (segment === '**') {
            walk(dir, i + 1);
            for (const e of entries(dir))
                if (e.isDirectory())
                    walk((0, node_path_1.join)(dir, e.name), i);
            return;
        }
        if (!MAGIC.test(segment)) {
            walk((0, node_path_1.join)(dir, segment), i + 1);
            return;
        }
        const re = segmentRegex(segment);
        // Hidden files only match a pattern that names the dot, as in shells.
        for (const e of entries(dir)) {
            if (re.test(e.name) && (segment.startsWith('.') || !e.name.startsWith('.')))
                walk((0, node_path_1.join)(dir, e.name), i + 1);
        }
    };
    walk(absolute ? '/' : '.', 0);
    return [...new Set(found)].sort();
}
/** Whether a path matches a glob, for `exclude`: a pattern without "/" is tested on the file name. */
function matchesGlob(path, pattern) {
    if (!pattern.includes('/'))
        return segmentRegex(pattern).test(path.slice(path.lastIndexOf('/') + 1));
    const re = pattern
        .split('/')
        .map((s) => (s === '**' ? '.*' : segmentRegex(s).source.slice(1, -1)))
        .join('/');
    return new RegExp(`^${re}$`).test(path);
}
//# sourceMappingURL=glob.js.map