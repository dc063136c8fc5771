import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARSER_KINDS } from '../src/parsers';
import { ParseError, type ParserKind } from '../src/parsers/kind';
import { classify, findingId, isThreat } from '../src/security/classify';
import { HTTP_PATTERNS } from '../src/security/http-patterns';
import { sample, tempDir, testExporter } from './helpers';

interface CorpusLine {
  label: 'attack' | 'benign';
  parser: string;
  expect: string[];
  line: string;
}

const CORPUS: CorpusLine[] = readFileSync(join(__dirname, 'fixtures', 'security-corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as CorpusLine);

function findingsOf(entry: CorpusLine) {
  const kind = PARSER_KINDS.get(entry.parser) as ParserKind;
  const fields = kind.create(kind.settings.parse({}))(entry.line);
  if (fields === undefined || fields instanceof ParseError) throw new Error(`not parsed: ${entry.line}`);
  return classify(fields);
}

describe('the labelled security corpus', () => {
  it.each(CORPUS.map((e) => [e.label, e.line, e]))('%s: %s', (_label, _line, entry) => {
    const findings = findingsOf(entry as CorpusLine);
    expect(findings.map(findingId).sort()).toEqual([...(entry as CorpusLine).expect].sort());
  });

  it('has an attack line for every known pattern and every kind of event, and all are detected', () => {
    const detected = new Set(
      CORPUS.filter((e) => e.label === 'attack').flatMap((e) => findingsOf(e).map(findingId)),
    );
    for (const p of HTTP_PATTERNS) expect(detected).toContain(`${p.attack}/${p.name}`);
    for (const kind of ['ssh_failed_login', 'ssh_invalid_user', 'sudo_auth_failure', 'http_auth_denied'])
      expect(detected).toContain(kind);
    for (const e of CORPUS.filter((e) => e.label === 'attack'))
      expect(findingsOf(e).some(isThreat)).toBe(true);
  });

  it('flags no benign line', () => {
    const benign = CORPUS.filter((e) => e.label === 'benign');
    expect(benign.length).toBeGreaterThan(20);
    expect(benign.filter((e) => findingsOf(e).some(isThreat)).map((e) => e.line)).toEqual([]);
  });
});

describe('sudo', () => {
  it("counts a run's wrong passwords as sudo and pam_unix log them: the first once, the rest in the summary", () => {
    // Captured from sudo 1.9.13p3 on Debian (Linux-PAM): three wrong passwords, then sudo gives up.
    const lines = [
      'Dec  6 11:20:01 web1 sudo: pam_unix(sudo:auth): authentication failure; logname=audituser uid=1001 euid=0 tty=/dev/pts/1 ruser=audituser rhost=  user=audituser',
      'Dec  6 11:20:09 web1 sudo: audituser : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/audituser ; USER=root ; COMMAND=/usr/bin/id',
    ];
    const counted = lines
      .flatMap((line) => findingsOf({ label: 'attack', parser: 'sudo', expect: [], line }))
      .map((f) => (f.kind === 'sudo_auth_failure' ? [f.user, f.reason, f.count] : []));
    expect(counted).toEqual([
      ['audituser', 'auth_failure', 1],
      ['audituser', 'auth_failure', 2],
    ]);
    // One wrong password: the summary adds none.
    const one = lines[1]!.replace('3 incorrect password attempts', '1 incorrect password attempt');
    expect(findingsOf({ label: 'benign', parser: 'sudo', expect: [], line: one })).toEqual([]);
  });
});

describe('evasions', () => {
  const ids = (line: string) =>
    findingsOf({ label: 'attack', parser: 'combined', expect: [], line }).map(findingId).sort();

  it('sees a request whose basic-auth user name holds a space (nginx logs $remote_user as the client sent it)', () => {
    expect(
      ids(
        '203.0.113.9 - x y [06/Dec/2026:10:00:00 +0000] "GET /../../etc/passwd HTTP/1.1" 401 12 "-" "curl/8.5.0"',
      ),
    ).toEqual(['http_auth_denied', 'path_traversal/dot_dot_slash', 'path_traversal/system_file']);
  });

  it('decodes the valid escapes of a target that also holds a malformed one', () => {
    expect(
      ids(
        '198.51.100.23 - - [06/Dec/2026:10:00:01 +0000] "GET /p?id=1%20union%20select%201,2&x=% HTTP/1.1" 200 5 "-" "-"',
      ),
    ).toEqual(['sql_injection/union_select']);
    // Latin-1 bytes that are not UTF-8 are read as such, the rest still decoded.
    expect(
      ids(
        '198.51.100.23 - - [06/Dec/2026:10:00:01 +0000] "GET /p?q=%ff&id=1%20union%20select%201 HTTP/1.1" 200 5 "-" "-"',
      ),
    ).toEqual(['sql_injection/union_select']);
  });
});

describe('the security pack in the exporter', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('counts the corpus per source with capped client_ip labels, overflow counted', async () => {
    const files: Record<string, string> = {};
    for (const parser of ['combined', 'sshd', 'sudo']) {
      files[parser] = join(temp.dir, `${parser}.log`);
      writeFileSync(
        files[parser],
        CORPUS.filter((e) => e.parser === parser)
          .map((e) => `${e.line}\n`)
          .join(''),
      );
    }
    const exporter = testExporter({
      files: { start_at: 'beginning' },
      sources: Object.fromEntries(
        Object.entries(files).map(([parser, path]) => [
          parser,
          { input: { kind: 'file', include: [path] }, parser: { kind: parser } },
        ]),
      ),
      security: { enabled: true, max_client_ips: 1 },
    });
    await exporter.start();
    const text = await exporter.render();
    await exporter.stop();

    // 3 lines + a "message repeated 5 times" for 198.51.100.7; 2001:db8::7 is a second address: over the cap.
    expect(
      sample(
        text,
        'security_ssh_failed_logins_total{source="sshd",client_ip="198.51.100.7",method="password"}',
      ),
    ).toBe(7);
    expect(
      sample(
        text,
        'security_ssh_failed_logins_total{source="sshd",client_ip="other",method="keyboard-interactive/pam"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'logexporter_label_overflow_total{metric="security_ssh_failed_logins_total",label="client_ip"}',
      ),
    ).toBe(1);
    expect(sample(text, 'security_ssh_invalid_users_total{source="sshd",client_ip="198.51.100.7"}')).toBe(1);
    expect(
      sample(
        text,
        'security_ssh_accepted_logins_total{source="sshd",client_ip="192.0.2.10",method="publickey"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'security_sudo_auth_failures_total{source="sudo",user="mallory",reason="not_in_sudoers"}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'security_http_attacks_total{source="combined",client_ip="198.51.100.23",attack="sql_injection"}',
      ),
    ).toBe(12);
    expect(
      sample(text, 'security_http_attack_patterns_total{source="combined",pattern="union_select"}'),
    ).toBe(2);
    expect(
      sample(
        text,
        'security_http_auth_denied_total{source="combined",client_ip="203.0.113.51",status="403"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'security_http_auth_denied_total{source="combined",client_ip="other",status="401"}'),
    ).toBe(1);
    // Every line of the corpus parsed.
    for (const parser of ['combined', 'sshd', 'sudo']) {
      expect(sample(text, `logexporter_lines_unmatched_total{source="${parser}"}`)).toBe(0);
    }
  });
});
