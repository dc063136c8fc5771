import { z } from 'zod';
import { labelName } from '../schema';
import type { Fields, ParserKind } from './kind';

/**
 * The NCSA combined format of nginx and Apache httpd (`log_format combined`, `LogFormat "%h %l %u %t
 * \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\""`); the common format (no referer, no user agent)
 * matches too. A request line that is not "METHOD TARGET PROTOCOL" (probes send garbage) is kept whole.
 */
// The user ($remote_user, %u) is whatever an Authorization header said, " [" and "]" included (nginx escapes
// quotes and control characters only): it runs to the first time field followed by a quote, which it cannot
// hold, so that a client cannot hide its request from the security pack by its user name. %l must be "-"
// (nginx, Apache without mod_ident), which leaves vhost_combined's "%v:%p %h %l %u" unmatched rather than
// read with the virtual host as the client.
const COMBINED =
  /^(\S+) - (.*?) \[(\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(?:[ \t]+(.*))?$/;
const REQUEST = /^(\S+) (\S+)(?: (HTTP\/[\d.]+))?$/;
/**
 * A value after the user agent: a quoted string ("$http_x_forwarded_for"), or words joined by ", " and
 * " : ", as nginx lists the $upstream_* values of retries and internal redirects. Each part is delimited
 * by one character (an unclosed quote runs to the end), so that no line costs more than linear time.
 */
const EXTRA = /"((?:[^"\\]|\\.)*)"?|([^\s",]+(?:,[^\s",]+)*(?:(?:, | : )[^\s",]+(?:,[^\s",]+)*)*)/g;
const TIMES = /^\d+\.\d+(?:(?:, | : )\d+\.\d+)+$/;

/** A list of times ($upstream_response_time "3.001, 0.012") is their sum: the total time upstream. */
function sumOfTimes(value: string): string {
  if (!TIMES.test(value)) return value;
  const times = value.split(/, | : /);
  const decimals = Math.max(...times.map((t) => t.length - t.indexOf('.') - 1));
  return times.reduce((sum, t) => sum + Number(t), 0).toFixed(decimals);
}

export const combinedParser: ParserKind = {
  kind: 'combined',
  settings: z.strictObject({
    // Names for the values logged after the user agent, e.g. nginx's $request_time.
    extra_fields: z.array(labelName).default([]),
  }),
  create: (settings) => {
    const extraFields = settings.extra_fields as string[];
    return (line) => {
      const m = COMBINED.exec(line);
      if (!m) return undefined;
      const request = m[4] as string;
      const fields: Fields = {
        remote_addr: m[1] as string,
        remote_user: m[2] as string,
        time_local: m[3] as string,
        request,
        status: m[5] as string,
        body_bytes_sent: m[6] === '-' ? '0' : (m[6] as string),
      };
      const r = REQUEST.exec(request);
      if (r) {
        fields.method = r[1] as string;
        fields.path = r[2] as string;
        if (r[3]) fields.protocol = r[3];
      }
      if (m[7] !== undefined) fields.referer = m[7];
      if (m[8] !== undefined) fields.user_agent = m[8];
      if (m[9] !== undefined && extraFields.length > 0) {
        const values = [...m[9].matchAll(EXTRA)].map((v) => v[1] ?? sumOfTimes(v[2] as string));
        extraFields.forEach((name, i) => {
          const v = values[i];
          if (v !== undefined && v !== '-') fields[name] = v;
        });
      }
      return fields;
    };
  },
};
