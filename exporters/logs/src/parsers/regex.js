"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.regexParser = void 0;
const zod_1 = require("zod");
const service_kit_1 = require("@vigil/service-kit");
/** A regular expression with named groups; each group that took part in the match becomes a field. */
exports.regexParser = {
    kind: 'regex',
    settings: zod_1.z.strictObject({
        pattern: service_kit_1.regexSchema.refine((re) => /\(\?<[A-Za-z_]\w*>/.test(re.source), 'needs a named group'),
    }),
    create: ({ pattern }) => {
        const re = pattern;
        return (line) => {
            const groups = re.exec(line)?.groups;
            if (!groups)
                return undefined;
            const fields = {};
            for (const name in groups) {
                const value = groups[name];
                if (value !== undefined)
                    fields[name] = value;
            }
            return fields;
        };
    },
};
//# sourceMappingURL=regex.js.map