"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigError = exports.configSchema = void 0;
exports.parseConfig = parseConfig;
exports.loadConfig = loadConfig;
const service_kit_1 = require("@vigil/service-kit");
const zod_1 = require("zod");
const inputs_1 = require("./inputs");
const offsets_1 = require("./inputs/offsets");
const parsers_1 = require("./parsers");
const schema_1 = require("./schema");
/** Source names become the `source` label and log fields, so they are kept plain. */
const name = zod_1.z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-"');
/** discriminatedUnion wants a non-empty tuple; the registries are never empty. */
function variants(list) {
    return list;
}
const inputSchema = zod_1.z.discriminatedUnion('kind', variants([...inputs_1.INPUT_KINDS.values()].map((k) => zod_1.z.strictObject({ kind: zod_1.z.literal(k.kind), ...k.settings.shape }))));
const parserSchema = zod_1.z.discriminatedUnion('kind', variants([...parsers_1.PARSER_KINDS.values()].map((k) => zod_1.z.strictObject({ kind: zod_1.z.literal(k.kind), ...k.settings.shape }))));
/** Built-in metrics own these prefixes; a declared metric may not shadow them. */
const RESERVED_PREFIXES = ['logexporter_', 'security_'];
const metricSchema = zod_1.z.strictObject({
    name: schema_1.metricName.refine((n) => !RESERVED_PREFIXES.some((p) => n.startsWith(p)), `the prefixes ${RESERVED_PREFIXES.join(', ')} are the exporter's own`),
    type: zod_1.z.enum(['counter', 'gauge', 'histogram']),
    help: zod_1.z.string().min(1),
    // Names of the sources whose lines feed the metric; empty means every source.
    sources: zod_1.z.array(name).default([]),
    // Field name -> regex: a line counts only when every named field exists and matches.
    match: zod_1.z.record(zod_1.z.string(), service_kit_1.regexSchema).default({}),
    // Label name -> the field its value comes from; a missing field gives an empty value.
    labels: zod_1.z.record(schema_1.labelName, zod_1.z.string()).default({}),
    max_label_values: zod_1.z.number().int().positive().default(100),
    // The field holding the number: added by counters (1 without), set by gauges, observed by histograms.
    value: zod_1.z.string().optional(),
    // Multiplies the value, e.g. 0.001 for milliseconds -> seconds (base units).
    scale: zod_1.z.number().positive().default(1),
    buckets: zod_1.z.array(zod_1.z.number()).min(1).optional(),
});
exports.configSchema = zod_1.z
    .strictObject({
    server: (0, service_kit_1.serverSchema)(9471).prefault({}),
    log_level: service_kit_1.logLevelSchema,
    // Where file offsets are kept across restarts; without it a restart starts per files.start_at.
    state_file: zod_1.z
        .string()
        .min(1)
        .superRefine((path, ctx) => {
        try {
            (0, offsets_1.readStateFile)(path);
        }
        catch (err) {
            ctx.addIssue({ code: 'custom', message: err.message });
        }
    })
        .optional(),
    files: zod_1.z
        .strictObject({
        poll_interval: service_kit_1.positiveDuration.default(1000),
        // How long a rotated-away or deleted file is still read, for writers that have not reopened yet.
        rotate_wait: service_kit_1.positiveDuration.default(5000),
        // For a file present at the first start with no saved offset: read it all, or only what comes next.
        start_at: zod_1.z.enum(['beginning', 'end']).default('end'),
    })
        .prefault({}),
    max_line_bytes: zod_1.z.number().int().min(256).default(65536),
    sources: zod_1.z.record(name, zod_1.z.strictObject({ input: inputSchema, parser: parserSchema })).default({}),
    metrics: zod_1.z.array(metricSchema).default([]),
    security: zod_1.z
        .strictObject({
        enabled: zod_1.z.boolean().default(false),
        // Sources the pack reads; empty means every source.
        sources: zod_1.z.array(name).default([]),
        max_client_ips: zod_1.z.number().int().positive().default(100),
        max_users: zod_1.z.number().int().positive().default(50),
    })
        .prefault({}),
})
    .superRefine((cfg, ctx) => {
    const issue = (path, message) => ctx.addIssue({ code: 'custom', path, message });
    const known = (list, path) => list.forEach((s, i) => {
        if (!(s in cfg.sources))
            issue([...path, i], `unknown source "${s}"`);
    });
    const stdin = Object.entries(cfg.sources).filter(([, s]) => s.input.kind === 'stdin');
    if (stdin.length > 1)
        issue(['sources', stdin[1][0], 'input'], 'only one source can read stdin');
    const names = new Set();
    cfg.metrics.forEach((m, i) => {
        const at = (...path) => ['metrics', i, ...path];
        if (names.has(m.name))
            issue(at('name'), `duplicate metric "${m.name}"`);
        names.add(m.name);
        known(m.sources, at('sources'));
        if (m.type === 'counter' && !m.name.endsWith('_total'))
            issue(at('name'), 'a counter ends in _total');
        if (m.type !== 'counter' && m.name.endsWith('_total'))
            issue(at('name'), 'only counters end in _total');
        if (m.type !== 'counter' && m.value === undefined)
            issue(at('value'), `a ${m.type} needs a value field`);
        if (m.type !== 'histogram' && m.buckets)
            issue(at('buckets'), 'only histograms have buckets');
        if (m.type === 'histogram' && 'le' in m.labels)
            issue(at('labels', 'le'), 'reserved by histograms');
        if (m.buckets?.some((b, j) => j > 0 && b <= m.buckets[j - 1]))
            issue(at('buckets'), 'must be increasing');
    });
    known(cfg.security.sources, ['security', 'sources']);
});
var service_kit_2 = require("@vigil/service-kit");
Object.defineProperty(exports, "ConfigError", { enumerable: true, get: function () { return service_kit_2.ConfigError; } });
/** Validates a parsed YAML document as a whole; throws ConfigError naming the key path of each problem. */
function parseConfig(doc) {
    return (0, service_kit_1.validateConfig)(exports.configSchema, doc);
}
/** Reads and validates a config file; each problem names its file:line:col and key path. */
function loadConfig(path) {
    return (0, service_kit_1.loadConfigFile)(path, parseConfig);
}
//# sourceMappingURL=config.js.map