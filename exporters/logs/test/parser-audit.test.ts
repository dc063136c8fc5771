import { PARSER_KINDS } from '../src/parsers';
import { ParseError, type Fields, type Parser, type ParserKind } from '../src/parsers/kind';
import { classify, findingId } from '../src/security/classify';
import { matchHttpPatterns } from '../src/security/http-patterns';

// Lines from the parser audit: formats and evasions the parsers used to miss or misread.

function parser(kind: string, settings: Record<string, unknown> = {}): Parser {
  const k = PARSER_KINDS.get(kind) as ParserKind;
  return k.create(k.settings.parse(settings));
}

function fieldsOf(p: Parser, line: string): Fields {
  const fields = p(line);
  if (fields === undefined || fields instanceof ParseError) throw new Error(`not parsed: ${line}`);
  return fields;
}

const sshd = (message: string) => `Jan  5 10:00:00 bastion sshd[811]: ${message}`;
const sudo = (message: string) => `Jan  5 10:01:00 web1 sudo: ${message}`;

describe('combined', () => {
  const p = parser('combined', { extra_fields: ['upstream_response_time', 'request_time'] });

  it('reads a user name holding " [" and "]", which nginx logs from a Basic auth header as sent', () => {
    const fields = fieldsOf(
      p,
      '127.0.0.1 - x [] [06/Dec/2026:14:49:56 +0000] "GET /?id=1%27%20UNION%20SELECT%20password%20FROM%20users-- HTTP/1.1" 200 3 "-" "sqlmap/1.7.2#stable (https://sqlmap.org)" - 0.000',
    );
    expect(fields).toMatchObject({
      remote_addr: '127.0.0.1',
      remote_user: 'x []',
      time_local: '06/Dec/2026:14:49:56 +0000',
      path: '/?id=1%27%20UNION%20SELECT%20password%20FROM%20users--',
      status: '200',
      user_agent: 'sqlmap/1.7.2#stable (https://sqlmap.org)',
      request_time: '0.000',
    });
    expect(classify(fields).map(findingId).sort()).toEqual([
      'scanner/scanner_sqlmap',
      'sql_injection/union_select',
    ]);
    // A user name that looks like a time field (nginx writes its quotes as \x22) does not shift the fields.
    expect(
      fieldsOf(
        p,
        '203.0.113.9 - a] [01/Jan/2020:00:00:00 +0000] [05/Jan/2024:10:00:01 +0000] "GET / HTTP/1.1" 200 1',
      ),
    ).toMatchObject({
      remote_user: 'a] [01/Jan/2020:00:00:00 +0000]',
      time_local: '05/Jan/2024:10:00:01 +0000',
      path: '/',
    });
  });

  it('leaves an Apache vhost_combined line unmatched rather than taking the virtual host for the client', () => {
    expect(
      p(
        'www.example.com:443 203.0.113.9 - - [05/Jan/2024:10:00:00 +0000] "GET /../../etc/passwd HTTP/1.1" 404 153 "-" "Mozilla/5.0"',
      ),
    ).toBeUndefined();
  });

  it('keeps quoted and comma-separated extra fields whole; a list of upstream times is their sum', () => {
    expect(
      fieldsOf(
        p,
        '127.0.0.1 - - [06/Dec/2026:14:49:56 +0000] "GET /api/x HTTP/1.1" 502 157 "-" "curl/7.88.1" 3.001, 0.012 3.015',
      ),
    ).toMatchObject({ upstream_response_time: '3.013', request_time: '3.015' });
    // Upstream groups (an internal redirect) are separated by " : ".
    expect(
      fieldsOf(
        p,
        '127.0.0.1 - - [06/Dec/2026:14:49:56 +0000] "GET / HTTP/1.1" 200 1 "-" "-" 0.100, 0.002 : 0.030 0.140',
      ),
    ).toMatchObject({ upstream_response_time: '0.132', request_time: '0.140' });
    const q = parser('combined', {
      extra_fields: ['forwarded_for', 'upstream_status', 'upstream_addr', 'request_time'],
    });
    expect(
      fieldsOf(
        q,
        '127.0.0.1 - - [06/Dec/2026:14:49:56 +0000] "GET / HTTP/1.1" 200 1 "-" "-" "203.0.113.1, 10.0.0.1" 502, 200 10.0.0.7:80, 10.0.0.8:80 3.015',
      ),
    ).toMatchObject({
      forwarded_for: '203.0.113.1, 10.0.0.1',
      upstream_status: '502, 200',
      upstream_addr: '10.0.0.7:80, 10.0.0.8:80',
      request_time: '3.015',
    });
    // Tabs and runs of spaces separate values too; the referer and user agent are still read.
    expect(
      fieldsOf(
        p,
        '127.0.0.1 - - [06/Dec/2026:14:49:56 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8"\t0.010  0.020',
      ),
    ).toMatchObject({ user_agent: 'curl/8', upstream_response_time: '0.010', request_time: '0.020' });
  });
});

describe('rsyslog "message repeated N times"', () => {
  it('counts for sudo as for sshd', () => {
    const p = parser('sudo');
    expect(
      fieldsOf(
        p,
        sudo(
          'message repeated 4 times: [      eve : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/eve ; USER=root ; COMMAND=/bin/bash]',
        ),
      ),
    ).toMatchObject({ sudo_event: 'not_in_sudoers', user: 'eve', run_as: 'root', repeat: '4' });
    expect(
      fieldsOf(
        p,
        sudo(
          'message repeated 2 times: [ pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/1 ruser=bob rhost=  user=bob]',
        ),
      ),
    ).toMatchObject({ sudo_event: 'auth_failure', user: 'bob', repeat: '2' });
    // And the security pack counts each line the fold stands for.
    const counts = (message: string) =>
      classify(fieldsOf(p, sudo(message))).map((f) => ('count' in f ? f.count : 1));
    expect(
      counts(
        'message repeated 4 times: [      eve : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/eve ; USER=root ; COMMAND=/bin/bash]',
      ),
    ).toEqual([4]);
    expect(
      counts(
        'message repeated 2 times: [   dan : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/dan ; USER=root ; COMMAND=/usr/bin/id]',
      ),
    ).toEqual([4]);
  });

  it('is capped at 10,000, so a forged count cannot add 1e23', () => {
    expect(
      fieldsOf(
        parser('sshd'),
        sshd(
          'message repeated 99999999999999999999999 times: [ Failed password for root from 198.51.100.7 port 1 ssh2]',
        ),
      ),
    ).toMatchObject({ ssh_event: 'failed_login', repeat: '10000' });
  });
});

describe('sudo command lines', () => {
  const p = parser('sudo');

  it('are read when PWD holds a space or ENV several variables', () => {
    expect(
      fieldsOf(
        p,
        sudo(
          '   alice : TTY=pts/0 ; PWD=/srv/My Projects ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx',
        ),
      ),
    ).toMatchObject({
      sudo_event: 'command',
      user: 'alice',
      run_as: 'root',
      command: '/usr/bin/systemctl restart nginx',
    });
    expect(
      fieldsOf(
        p,
        sudo(
          '   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; ENV=LANG=C LC_ALL=C ; COMMAND=/usr/bin/id',
        ),
      ),
    ).toMatchObject({ sudo_event: 'command', run_as: 'root', command: '/usr/bin/id' });
  });
});

describe('user names with spaces (SSSD, Active Directory)', () => {
  it('sshd: accepted logins, the address still read from the end', () => {
    const p = parser('sshd');
    expect(
      fieldsOf(p, sshd('Accepted password for John Smith from 198.51.100.27 port 52311 ssh2')),
    ).toMatchObject({
      ssh_event: 'accepted_login',
      user: 'John Smith',
      client_ip: '198.51.100.27',
    });
    expect(
      fieldsOf(p, sshd('Accepted password for x from 10.9.9.9 port 1 from 198.51.100.8 port 22 ssh2')),
    ).toMatchObject({ user: 'x from 10.9.9.9 port 1', client_ip: '198.51.100.8' });
  });

  it('sudo: commands and refusals', () => {
    const p = parser('sudo');
    expect(
      fieldsOf(p, sudo(' bob smith : TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/id')),
    ).toMatchObject({
      sudo_event: 'command',
      user: 'bob smith',
      run_as: 'root',
    });
    expect(
      fieldsOf(
        p,
        sudo(
          ' bob smith : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/id',
        ),
      ),
    ).toMatchObject({ sudo_event: 'incorrect_password', user: 'bob smith', attempts: '3', run_as: 'root' });
    expect(
      fieldsOf(
        p,
        sudo(' bob smith : command not allowed ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/sh'),
      ),
    ).toMatchObject({ sudo_event: 'command_not_allowed', user: 'bob smith', run_as: 'root' });
    expect(
      fieldsOf(
        p,
        sudo(
          'pam_unix(sudo:auth): authentication failure; logname=bob smith uid=1000 euid=0 tty=/dev/pts/1 ruser=bob smith rhost=  user=bob smith',
        ),
      ),
    ).toMatchObject({ sudo_event: 'auth_failure', user: 'bob smith' });
  });
});

describe('path traversal after "=", "?", "&" or ";"', () => {
  const names = (target: string) => matchHttpPatterns(target, '').map((p) => p.name);

  it('is detected', () => {
    for (const target of [
      '/index.php?page=../config.php',
      '/download?file=../.env',
      '/x?..\\boot',
      '/x?a=1&..',
      '/x;../y',
    ])
      expect(names(target)).toContain('dot_dot_slash');
  });

  it('is not seen in ordinary dots', () => {
    for (const target of ['/a..b', '/download?v=1..2', '/files/report..final.pdf', '/?range=1..10&x=2'])
      expect(names(target)).toEqual([]);
  });
});

describe('syslog timestamps of journalctl and plain date-times', () => {
  it.each([
    'Jan 05 10:00:00.123456', // journalctl -o short-precise
    'Fri 2024-01-05 10:00:00 CET', // journalctl -o short-full
    '2024-01-05 10:00:00',
    '2024-01-05T10:00:00+0100', // journalctl -o short-iso
  ])('%s', (timestamp) => {
    expect(
      fieldsOf(
        parser('sshd'),
        `${timestamp} bastion sshd[811]: Failed password for root from 198.51.100.40 port 52311 ssh2`,
      ),
    ).toMatchObject({
      timestamp,
      hostname: 'bastion',
      program: 'sshd',
      ssh_event: 'failed_login',
      client_ip: '198.51.100.40',
    });
  });
});

describe('sshd connections that end without a logged failure (key-only servers)', () => {
  const counted = (p: Parser, messages: string[]) =>
    messages.flatMap((m) => classify(fieldsOf(p, sshd(m)))).map((f) => [f.kind, 'count' in f ? f.count : 1]);

  it('count once as a failed login with method "none"', () => {
    const p = parser('sshd');
    expect(
      fieldsOf(p, sshd('Connection closed by authenticating user root 203.0.113.5 port 4242 [preauth]')),
    ).toMatchObject({
      ssh_event: 'failed_login',
      method: 'none',
      invalid_user: 'false',
      user: 'root',
      client_ip: '203.0.113.5',
    });
    expect(
      fieldsOf(
        p,
        sshd(
          'error: maximum authentication attempts exceeded for root from 203.0.113.6 port 4242 ssh2 [preauth]',
        ),
      ),
    ).toMatchObject({ ssh_event: 'failed_login', method: 'none', user: 'root', client_ip: '203.0.113.6' });
    expect(
      fieldsOf(p, sshd('Disconnected from authenticating user root 203.0.113.7 port 4242 [preauth]')),
    ).toMatchObject({ ssh_event: 'failed_login', method: 'none', client_ip: '203.0.113.7' });
    // A user that exists but AllowUsers refuses: sshd logs no "Invalid user" line for it.
    expect(
      fieldsOf(p, sshd('Connection closed by invalid user admin 203.0.113.8 port 4242 [preauth]')),
    ).toMatchObject({ ssh_event: 'failed_login', method: 'none', invalid_user: 'true', user: 'admin' });
  });

  it('are not counted again when the connection already logged its failures', () => {
    const p = parser('sshd');
    expect(
      counted(p, [
        'Failed password for root from 203.0.113.5 port 4242 ssh2',
        'message repeated 5 times: [ Failed password for root from 203.0.113.5 port 4242 ssh2]',
        'error: maximum authentication attempts exceeded for root from 203.0.113.5 port 4242 ssh2 [preauth]',
        'Disconnecting authenticating user root 203.0.113.5 port 4242: Too many authentication failures [preauth]',
        'Invalid user admin from 203.0.113.5 port 4243',
        'Connection closed by invalid user admin 203.0.113.5 port 4243 [preauth]',
        // Another connection from the same address, which never got to a logged failure.
        'Connection closed by authenticating user root 203.0.113.5 port 4244 [preauth]',
      ]),
    ).toEqual([
      ['ssh_failed_login', 1],
      ['ssh_failed_login', 5],
      ['ssh_invalid_user', 1],
      ['ssh_failed_login', 1],
    ]);
    // After a login, the session's end is no failure.
    expect(
      counted(p, [
        'Accepted publickey for deploy from 192.0.2.10 port 51000 ssh2: ED25519 SHA256:abc',
        'Disconnected from user deploy 192.0.2.10 port 51000',
      ]),
    ).toEqual([['ssh_accepted_login', 1]]);
  });
});

describe('sudo "user NOT authorized on host"', () => {
  it('is a refusal counted as not_in_sudoers (sudoers has no rule for the user on this host)', () => {
    const fields = fieldsOf(
      parser('sudo'),
      sudo(
        '    eve : user NOT authorized on host ; TTY=pts/0 ; PWD=/home/eve ; USER=root ; COMMAND=/bin/bash',
      ),
    );
    expect(fields).toMatchObject({ sudo_event: 'not_in_sudoers', user: 'eve', run_as: 'root' });
    expect(classify(fields)).toEqual([
      { kind: 'sudo_auth_failure', user: 'eve', reason: 'not_in_sudoers', count: 1 },
    ]);
  });
});
