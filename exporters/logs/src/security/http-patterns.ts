/** Families of attack patterns in access-log requests; the `attack` label of security_http_attacks_total. */
export type HttpAttack = 'path_traversal' | 'sql_injection' | 'scanner';

export interface HttpPattern {
  name: string;
  attack: HttpAttack;
  /** What the pattern is tested on: the request target as logged, decoded, or the user agent. */
  on: 'raw' | 'decoded' | 'user_agent';
  re: RegExp;
}

/** Scanner and attack tools that name themselves in their default user agent. */
const SCANNERS = [
  ...['nikto', 'sqlmap', 'nmap', 'masscan', 'zgrab', 'nuclei', 'wpscan', 'dirbuster', 'gobuster', 'dirb'],
  ...['acunetix', 'nessus', 'openvas', 'w3af', 'hydra', 'wfuzz', 'ffuf', 'jorgee', 'arachni', 'netsparker'],
];

/**
 * The known patterns. Each has at least one line in the labelled corpus (test/fixtures/security-corpus.jsonl)
 * and none may match a line of its benign part.
 */
export const HTTP_PATTERNS: readonly HttpPattern[] = [
  // ".." as a whole path segment, also where a parameter's value starts (?page=../config.php).
  { name: 'dot_dot_slash', attack: 'path_traversal', on: 'decoded', re: /(?:^|[/\\=?&;])\.\.(?:[/\\]|$)/ },
  {
    name: 'encoded_dot_dot',
    attack: 'path_traversal',
    on: 'raw',
    re: /%2e%2e|%2e\.|\.%2e|\.\.%2f|\.\.%5c|%25(?:2e|2f|5c)|%c0%ae|%c0%af|%c1%9c/,
  },
  {
    name: 'system_file',
    attack: 'path_traversal',
    on: 'decoded',
    re: /\/etc\/(?:passwd|shadow|group|hosts)\b|\bwin\.ini\b|\bboot\.ini\b|\/proc\/self\/|\bc:\\windows\\/,
  },
  {
    name: 'union_select',
    attack: 'sql_injection',
    on: 'decoded',
    re: /\bunion(?:\s+(?:all|distinct))?\s+select\b/,
  },
  {
    name: 'boolean_tautology',
    attack: 'sql_injection',
    on: 'decoded',
    re: /(?:['")]|\d)\s*(?:or|and)\s+(['"]?)(\w+)\1\s*(?:=|like)\s*\1\2\b/,
  },
  { name: 'comment_terminator', attack: 'sql_injection', on: 'decoded', re: /['"]\)?\s*(?:--|#|\/\*)/ },
  {
    name: 'stacked_query',
    attack: 'sql_injection',
    on: 'decoded',
    re: /;\s*(?:drop|truncate|insert|update|delete|alter|create|exec|shutdown|declare)\s/,
  },
  {
    name: 'time_delay',
    attack: 'sql_injection',
    on: 'decoded',
    re: /\b(?:sleep|pg_sleep|benchmark)\s*\(\s*\d|\bwaitfor\s+delay\b/,
  },
  {
    name: 'schema_enumeration',
    attack: 'sql_injection',
    on: 'decoded',
    re: /\binformation_schema\b|\bsysobjects\b|\bpg_catalog\b|\bsqlite_master\b|@@version\b/,
  },
  {
    name: 'sql_functions',
    attack: 'sql_injection',
    on: 'decoded',
    re: /\b(?:load_file|extractvalue|updatexml|group_concat|concat_ws)\s*\(/,
  },
  ...SCANNERS.map((tool): HttpPattern => ({
    name: `scanner_${tool}`,
    attack: 'scanner',
    on: 'user_agent',
    re: new RegExp(`(?:^|[^a-z0-9])${tool}(?:[^a-z0-9]|$)`),
  })),
];

/** A run of %XX escapes as text: UTF-8 where it is, else each byte as its Latin-1 character. */
const decodeRun = (run: string) => {
  try {
    return decodeURIComponent(run);
  } catch {
    return run.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
};

/**
 * URL-decodes up to twice (double encoding is a classic evasion). Each run of valid escapes is decoded on
 * its own, so one malformed `%` (`&x=%`) does not leave the rest encoded, and unseen by the patterns.
 */
function decode(target: string): string {
  let text = target.replace(/\+/g, ' ');
  for (let i = 0; i < 2 && text.includes('%'); i++) text = text.replace(/(?:%[0-9a-f]{2})+/gi, decodeRun);
  // SQL comments stand in for spaces in evasions such as UNION/**/SELECT.
  return text.replace(/\/\*.*?\*\//g, ' ');
}

/** The known patterns the request matches; at most one per pattern. */
export function matchHttpPatterns(target: string, userAgent: string): HttpPattern[] {
  const raw = target.toLowerCase();
  const decoded = decode(raw);
  const agent = userAgent.toLowerCase();
  return HTTP_PATTERNS.filter((p) => p.re.test(p.on === 'raw' ? raw : p.on === 'decoded' ? decoded : agent));
}
