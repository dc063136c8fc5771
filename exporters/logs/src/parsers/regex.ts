import { z } from 'zod';
import { regexSchema } from '@vigil/service-kit';
import type { Fields, ParserKind } from './kind';

/** A regular expression with named groups; each group that took part in the match becomes a field. */
export const regexParser: ParserKind = {
  kind: 'regex',
  settings: z.strictObject({
    pattern: regexSchema.refine((re) => /\(\?<[A-Za-z_]\w*>/.test(re.source), 'needs a named group'),
  }),
  create: ({ pattern }) => {
    const re = pattern as RegExp;
    return (line) => {
      const groups = re.exec(line)?.groups;
      if (!groups) return undefined;
      const fields: Fields = {};
      for (const name in groups) {
        const value = groups[name];
        if (value !== undefined) fields[name] = value;
      }
      return fields;
    };
  },
};
