import { z } from 'zod';
/** Prometheus metric and label names. */
export declare const metricName: z.ZodString;
export declare const labelName: z.ZodString;
