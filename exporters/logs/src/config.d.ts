import { z } from 'zod';
export declare const configSchema: z.ZodObject<{
    server: z.ZodPrefault<z.ZodObject<{
        listen_address: z.ZodDefault<z.ZodString>;
        port: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
    log_level: z.ZodDefault<z.ZodEnum<{
        trace: "trace";
        debug: "debug";
        info: "info";
        warn: "warn";
        error: "error";
        fatal: "fatal";
    }>>;
    state_file: z.ZodOptional<z.ZodString>;
    files: z.ZodPrefault<z.ZodObject<{
        poll_interval: z.ZodDefault<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>>;
        rotate_wait: z.ZodDefault<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>>;
        start_at: z.ZodDefault<z.ZodEnum<{
            beginning: "beginning";
            end: "end";
        }>>;
    }, z.core.$strict>>;
    max_line_bytes: z.ZodDefault<z.ZodNumber>;
    sources: z.ZodDefault<z.ZodRecord<z.ZodString, z.ZodObject<{
        input: z.ZodDiscriminatedUnion<[z.ZodObject<{
            kind: z.ZodLiteral<string>;
        }, z.core.$strict>, ...z.ZodObject<{
            kind: z.ZodLiteral<string>;
        }, z.core.$strict>[]], "kind">;
        parser: z.ZodDiscriminatedUnion<[z.ZodObject<{
            kind: z.ZodLiteral<string>;
        }, z.core.$strict>, ...z.ZodObject<{
            kind: z.ZodLiteral<string>;
        }, z.core.$strict>[]], "kind">;
    }, z.core.$strict>>>;
    metrics: z.ZodDefault<z.ZodArray<z.ZodObject<{
        name: z.ZodString;
        type: z.ZodEnum<{
            counter: "counter";
            gauge: "gauge";
            histogram: "histogram";
        }>;
        help: z.ZodString;
        sources: z.ZodDefault<z.ZodArray<z.ZodString>>;
        match: z.ZodDefault<z.ZodRecord<z.ZodString, z.ZodPipe<z.ZodString, z.ZodTransform<RegExp, string>>>>;
        labels: z.ZodDefault<z.ZodRecord<z.ZodString, z.ZodString>>;
        max_label_values: z.ZodDefault<z.ZodNumber>;
        value: z.ZodOptional<z.ZodString>;
        scale: z.ZodDefault<z.ZodNumber>;
        buckets: z.ZodOptional<z.ZodArray<z.ZodNumber>>;
    }, z.core.$strict>>>;
    security: z.ZodPrefault<z.ZodObject<{
        enabled: z.ZodDefault<z.ZodBoolean>;
        sources: z.ZodDefault<z.ZodArray<z.ZodString>>;
        max_client_ips: z.ZodDefault<z.ZodNumber>;
        max_users: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strict>>;
}, z.core.$strict>;
export type Config = z.output<typeof configSchema>;
export type MetricConfig = Config['metrics'][number];
export type SourceConfig = Config['sources'][string];
export { ConfigError } from '@vigil/service-kit';
/** Validates a parsed YAML document as a whole; throws ConfigError naming the key path of each problem. */
export declare function parseConfig(doc: unknown): Config;
/** Reads and validates a config file; each problem names its file:line:col and key path. */
export declare function loadConfig(path: string): Config;
