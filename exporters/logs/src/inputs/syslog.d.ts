import { z } from 'zod';
import type { InputKind } from './kind';
declare const settings: z.ZodObject<{
    protocol: z.ZodEnum<{
        udp: "udp";
        tcp: "tcp";
    }>;
    listen_address: z.ZodDefault<z.ZodString>;
    port: z.ZodDefault<z.ZodNumber>;
    max_connections: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;
/** A syslog listener (RFC 3164 and RFC 5424 messages over UDP, or TCP with RFC 6587 framing). */
export declare const syslogInput: InputKind<typeof settings>;
export {};
