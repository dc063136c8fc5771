"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.labelName = exports.metricName = void 0;
const zod_1 = require("zod");
/** Prometheus metric and label names. */
exports.metricName = zod_1.z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'not a valid Prometheus name');
exports.labelName = zod_1.z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid Prometheus label name')
    .refine((n) => !n.startsWith('__'), 'names starting with "__" are reserved');
//# sourceMappingURL=schema.js.map