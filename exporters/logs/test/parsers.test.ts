import { PARSER_KINDS } from '../src/parsers';
import { ParseError, type Parser, type ParserKind } from '../src/parsers/kind';

function parser(kind: string, settings: Record<string, unknown> = {}): Parser {
  const k = PARSER_KINDS.get(kind) as ParserKind;
  return k.create(k.settings.parse(settings));
}

describe('parsers', () => {
  it('regex: named groups that took part become fields; no match is unmatched', () => {
    const p = parser('regex', { pattern: '^(?<level>\\w+) (?<msg>.*?)(?: took (?<ms>\\d+)ms)?$' });
    expect(p('ERROR disk full')).toEqual({ level: 'ERROR', msg: 'disk full' });
    expect(p('INFO done took 12ms')).toEqual({ level: 'INFO', msg: 'done', ms: '12' });
    expect(p('')).toBeUndefined();
    expect(() => PARSER_KINDS.get('regex')!.settings.parse({ pattern: '^\\w+$' })).toThrow(/named group/);
  });

  it('json: scalars become fields, nested objects are flattened, broken lines are parse errors', () => {
    const p = parser('json');
    expect(
      p('{"level":50,"msg":"boom","req":{"method":"GET","headers":{"a":1}},"tags":["x"],"ok":true}'),
    ).toEqual({
      level: '50',
      msg: 'boom',
      'req.method': 'GET',
      'req.headers.a': '1',
      ok: 'true',
    });
    expect(p('{"level":')).toEqual(new ParseError('invalid_json'));
    expect(p('[1,2]')).toEqual(new ParseError('not_an_object'));
    expect(p('   ')).toBeUndefined();
  });

  it('combined: nginx/apache combined and common lines, extra fields, and garbage request lines', () => {
    const p = parser('combined', { extra_fields: ['request_time', 'upstream_time'] });
    expect(
      p(
        '203.0.113.9 - alice [10/Oct/2024:13:55:36 +0200] "GET /a?b=1 HTTP/2.0" 200 2326 "https://r/" "Mozilla/5.0 (X11)" 0.012 -',
      ),
    ).toEqual({
      remote_addr: '203.0.113.9',
      remote_user: 'alice',
      time_local: '10/Oct/2024:13:55:36 +0200',
      request: 'GET /a?b=1 HTTP/2.0',
      method: 'GET',
      path: '/a?b=1',
      protocol: 'HTTP/2.0',
      status: '200',
      body_bytes_sent: '2326',
      referer: 'https://r/',
      user_agent: 'Mozilla/5.0 (X11)',
      request_time: '0.012',
    });
    expect(p('::1 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.0" 304 -')).toMatchObject({
      remote_addr: '::1',
      status: '304',
      body_bytes_sent: '0',
    });
    expect(p('10.0.0.1 - - [10/Oct/2024:13:55:36 +0000] "\\x16\\x03\\x01" 400 157 "-" "-"')).toMatchObject({
      request: '\\x16\\x03\\x01',
      status: '400',
    });
    expect(p('10.0.0.1 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 200')).toBeUndefined();
  });

  it('syslog: RFC 5424, RFC 3164 with and without PRI, rsyslog ISO timestamps', () => {
    const p = parser('syslog');
    expect(
      p(
        '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event',
      ),
    ).toEqual({
      facility: 'local4',
      severity: 'notice',
      level: 'notice',
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      program: 'evntslog',
      msgid: 'ID47',
      message: 'An application event',
    });
    expect(p("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8")).toEqual({
      facility: 'auth',
      severity: 'crit',
      level: 'crit',
      timestamp: 'Oct 11 22:14:15',
      hostname: 'mymachine',
      program: 'su',
      pid: '230',
      message: "'su root' failed for lonvick on /dev/pts/8",
    });
    expect(p('2024-05-01T10:00:00.123456+02:00 web1 CRON[99]: (root) CMD (run-parts)')).toMatchObject({
      hostname: 'web1',
      program: 'CRON',
      message: '(root) CMD (run-parts)',
    });
    expect(p('<999>Oct 11 22:14:15 host x: y')).toEqual(new ParseError('bad_priority'));
    expect(p('<13>garbage')).toEqual(new ParseError('bad_syslog_header'));
    expect(p('plain text')).toBeUndefined();
  });

  it('sshd: failed, invalid-user and accepted logins, repeated messages, forged addresses in user names', () => {
    const p = parser('sshd');
    expect(
      p(
        'Jan  5 10:00:00 bastion sshd[811]: Failed password for invalid user admin from 198.51.100.7 port 52311 ssh2',
      ),
    ).toMatchObject({
      ssh_event: 'failed_login',
      method: 'password',
      invalid_user: 'true',
      user: 'admin',
      client_ip: '198.51.100.7',
      program: 'sshd',
      repeat: '1',
    });
    expect(
      p(
        'Jan  5 10:00:01 bastion sshd[811]: message repeated 4 times: [ Failed password for root from 198.51.100.7 port 52311 ssh2]',
      ),
    ).toMatchObject({
      ssh_event: 'failed_login',
      user: 'root',
      repeat: '4',
    });
    expect(
      p('Jan  5 10:00:02 bastion sshd-session[9]: Invalid user oracle from 2001:db8::5 port 40000'),
    ).toMatchObject({
      ssh_event: 'invalid_user',
      user: 'oracle',
      client_ip: '2001:db8::5',
    });
    expect(
      p('Accepted publickey for deploy from 192.0.2.10 port 51000 ssh2: ED25519 SHA256:abc'),
    ).toMatchObject({
      ssh_event: 'accepted_login',
      method: 'publickey',
      user: 'deploy',
      client_ip: '192.0.2.10',
    });
    expect(
      p(
        'Jan  5 10:00:03 bastion sshd[811]: Failed password for invalid user x from 10.9.9.9 port 1 from 198.51.100.8 port 22 ssh2',
      ),
    ).toMatchObject({
      user: 'x from 10.9.9.9 port 1',
      client_ip: '198.51.100.8',
    });
    expect(
      p('Jan  5 10:00:04 bastion sshd[811]: Connection closed by 198.51.100.7 port 52311 [preauth]'),
    ).toMatchObject({
      program: 'sshd',
    });
    expect(
      p('Jan  5 10:00:04 bastion sshd[811]: Connection closed by 198.51.100.7 port 52311 [preauth]'),
    ).not.toHaveProperty('ssh_event');
    expect(
      p('Jan  5 10:00:05 bastion CRON[1]: Failed password for root from 198.51.100.7 port 1 ssh2'),
    ).toBeUndefined();
  });

  it('sudo: pam failures, summaries, sudoers refusals and commands', () => {
    const p = parser('sudo');
    expect(
      p(
        'Jan  5 10:00:00 web1 sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob',
      ),
    ).toMatchObject({
      sudo_event: 'auth_failure',
      user: 'bob',
    });
    expect(
      p(
        'Jan  5 10:00:09 web1 sudo:      bob : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/id',
      ),
    ).toMatchObject({
      sudo_event: 'incorrect_password',
      attempts: '3',
      run_as: 'root',
    });
    expect(
      p(
        'Jan  5 10:01:00 web1 sudo:     mallory : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh',
      ),
    ).toMatchObject({
      sudo_event: 'not_in_sudoers',
      user: 'mallory',
    });
    expect(
      p(
        'Jan  5 10:02:00 web1 sudo:    alice : TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update',
      ),
    ).toMatchObject({
      sudo_event: 'command',
      user: 'alice',
      run_as: 'root',
      command: '/usr/bin/apt update',
    });
    expect(
      p('Jan  5 10:02:00 web1 sshd[1]: Accepted password for a from 1.2.3.4 port 1 ssh2'),
    ).toBeUndefined();
  });
});
