import { z } from 'zod';

/** Prometheus metric and label names. */
export const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'not a valid Prometheus name');
export const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid Prometheus label name')
  .refine((n) => !n.startsWith('__'), 'names starting with "__" are reserved');
