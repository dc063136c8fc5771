"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.combinedParser = void 0;
const zod_1 = require("zod");
const schema_1 = require("../schema");
/**
 * The NCSA combined format of nginx and Apache httpd (`log_format combined`, `LogFormat "%h %l %u %t
 * \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\""`); the common format (no referer, no user agent)
 * matches too. A request line that is not "METHOD TARGET PROTOCOL" (probes send garbage) is kept whole.
 */
const COMBINED = /^(\S+) (\S+) (\S+) \[([^\]]*)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(?: (.*))?$/;
const REQUEST = /^(\S+) (\S+)(?: (HTTP\/[\d.]+))?$/;
exports.combinedParser = {
    kind: 'combined',
    settings: zod_1.z.strictObject({
        // Names for the space-separated values logged after the user agent, e.g. nginx's $request_time.
        extra_fields: zod_1.z.array(schema_1.labelName).default([]),
    }),
    create: (settings) => {
        const extraFields = settings.extra_fields;
        return (line) => {
            const m = COMBINED.exec(line);
            if (!m)
                return undefined;
            const request = m[5];
            const fields = {
                remote_addr: m[1],
                remote_user: m[3],
                time_local: m[4],
                request,
                status: m[6],
                body_bytes_sent: m[7] === '-' ? '0' : m[7],
            };
            const r = REQUEST.exec(request);
            if (r) {
                fields.method = r[1];
                fields.path = r[2];
                if (r[3])
                    fields.protocol = r[3];
            }
            if (m[8] !== undefined)
                fields.referer = m[8];
            if (m[9] !== undefined)
                fields.user_agent = m[9];
            if (m[10] !== undefined && extraFields.length > 0) {
                const values = m[10].split(' ');
                extraFields.forEach((name, i) => {
                    const v = values[i];
                    if (v !== undefined && v !== '-')
                        fields[name] = v;
                });
            }
            return fields;
        };
    },
};
//# sourceMappingURL=combined.js.map