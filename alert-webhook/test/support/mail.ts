import type { SmtpSink } from '@vigil/testkit';

/** An email channel's config mailing `to` through the test's SMTP sink (no TLS, no login). */
export function sinkChannel(smtp: SmtpSink, to: string) {
  return {
    kind: 'email',
    smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
    from: 'Vigil <vigil@vigil.test>',
    to: [to],
  };
}
