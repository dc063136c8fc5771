import { type ParserKind } from './kind';
/**
 * JSON lines (pino, bunyan, zap, logstash…): each line one object; scalar members become fields, nested
 * objects flattened with dots (`req.method`); arrays are skipped.
 */
export declare const jsonParser: ParserKind;
