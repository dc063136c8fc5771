import { z } from 'zod';
import { labelName } from '../schema';
import type { Fields, ParserKind } from './kind';

/**
 * The NCSA combined format of nginx and Apache httpd (`log_format combined`, `LogFormat "%h %l %u %t
 * \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\""`); the common format (no referer, no user agent)
 * matches too. A request line that is not "METHOD TARGET PROTOCOL" (probes send garbage) is kept whole.
 */
// The user ($remote_user, %u) is whatever an Authorization header said, spaces included (nginx escapes
// quotes and control characters, not spaces): up to the first " [", so that a client cannot hide its
// request from the security pack by sending "x y" as its user name.
const COMBINED =
  /^(\S+) (\S+) ((?:[^ ]| (?!\[))*) \[([^\]]*)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(?: (.*))?$/;
const REQUEST = /^(\S+) (\S+)(?: (HTTP\/[\d.]+))?$/;

export const combinedParser: ParserKind = {
  kind: 'combined',
  settings: z.strictObject({
    // Names for the space-separated values logged after the user agent, e.g. nginx's $request_time.
    extra_fields: z.array(labelName).default([]),
  }),
  create: (settings) => {
    const extraFields = settings.extra_fields as string[];
    return (line) => {
      const m = COMBINED.exec(line);
      if (!m) return undefined;
      const request = m[5] as string;
      const fields: Fields = {
        remote_addr: m[1] as string,
        remote_user: m[3] as string,
        time_local: m[4] as string,
        request,
        status: m[6] as string,
        body_bytes_sent: m[7] === '-' ? '0' : (m[7] as string),
      };
      const r = REQUEST.exec(request);
      if (r) {
        fields.method = r[1] as string;
        fields.path = r[2] as string;
        if (r[3]) fields.protocol = r[3];
      }
      if (m[8] !== undefined) fields.referer = m[8];
      if (m[9] !== undefined) fields.user_agent = m[9];
      if (m[10] !== undefined && extraFields.length > 0) {
        const values = m[10].split(' ');
        extraFields.forEach((name, i) => {
          const v = values[i];
          if (v !== undefined && v !== '-') fields[name] = v;
        });
      }
      return fields;
    };
  },
};
