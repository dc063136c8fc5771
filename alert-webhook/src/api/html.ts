import type { Response } from 'express';

/** Text from alerts, people and the database is data, never markup: in text and in attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A small self-contained HTML page (the signed-link pages): no scripts, no images, nothing loaded from
 * elsewhere, forms only to itself, never framed, never cached, and no Referer carrying the link's token.
 */
export function htmlPage(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .setHeader('Referrer-Policy', 'no-referrer')
    .setHeader('Cache-Control', 'no-store')
    .setHeader('X-Robots-Tag', 'noindex, nofollow')
    .setHeader('X-Content-Type-Options', 'nosniff')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
        `<title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:48em;margin:2em auto;padding:0 1em">` +
        `<h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}
