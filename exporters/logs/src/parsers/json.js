"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.jsonParser = void 0;
const zod_1 = require("zod");
const kind_1 = require("./kind");
/** Nested objects deeper than this are left out: a hostile line must not cost unbounded work. */
const MAX_DEPTH = 4;
function flatten(value, prefix, depth, into) {
    if (value === null || value === undefined)
        return;
    if (typeof value === 'object') {
        if (Array.isArray(value) || depth >= MAX_DEPTH)
            return;
        for (const [key, v] of Object.entries(value))
            flatten(v, prefix ? `${prefix}.${key}` : key, depth + 1, into);
        return;
    }
    into[prefix] = String(value);
}
/**
 * JSON lines (pino, bunyan, zap, logstash…): each line one object; scalar members become fields, nested
 * objects flattened with dots (`req.method`); arrays are skipped.
 */
exports.jsonParser = {
    kind: 'json',
    settings: zod_1.z.strictObject({}),
    create: () => (line) => {
        const text = line.trim();
        if (text === '')
            return undefined;
        let doc;
        try {
            doc = JSON.parse(text);
        }
        catch {
            return new kind_1.ParseError('invalid_json');
        }
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
            return new kind_1.ParseError('not_an_object');
        const fields = {};
        flatten(doc, '', 0, fields);
        return fields;
    },
};
//# sourceMappingURL=json.js.map