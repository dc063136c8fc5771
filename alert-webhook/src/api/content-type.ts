/**
 * Alertmanager, and the REST API's clients, send `Content-Type: application/json`; a body sent as anything
 * else (text/plain, a form) is refused with 415, and so is a charset other than UTF-8. Read before the body is.
 */
export function contentTypeProblem(header: string | undefined): string | undefined {
  const [type = '', ...params] = (header ?? '').split(';');
  const sent = JSON.stringify((header ?? '').slice(0, 100));
  if (type.trim().toLowerCase() !== 'application/json') {
    return header
      ? `the body must be sent as application/json, not ${sent}`
      : 'Content-Type: application/json is missing';
  }
  for (const param of params) {
    const [name = '', value = ''] = param.split('=').map((p) => p.trim().toLowerCase());
    if (name === 'charset' && value.replace(/^"|"$/g, '') !== 'utf-8') {
      return `the body must be UTF-8 (${sent})`;
    }
  }
  return undefined;
}
