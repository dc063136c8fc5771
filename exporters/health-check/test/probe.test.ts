import request from 'supertest';
import { ipHash } from '../src/checks/resolve';
import { goDistinguishedName } from '../src/checks/tls';
import { parseConfig } from '../src/config';
import { goFloat } from '../src/series';
import { exporterApp, startHttp } from './helpers';

describe('/probe as blackbox_exporter answers it', () => {
  let web: Awaited<ReturnType<typeof startHttp>>;
  let elsewhere: Awaited<ReturnType<typeof startHttp>>;
  let elsewhereHits = 0;
  let app: Awaited<ReturnType<typeof exporterApp>>['app'];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    elsewhere = await startHttp((_req, res) => {
      elsewhereHits++;
      res.end('secret inside');
    });
    web = await startHttp((req, res) => {
      if (req.url === '/out') return void res.writeHead(302, { Location: `${elsewhere.url}/` }).end();
      if (req.url === '/in') return void res.writeHead(301, { Location: '/ok' }).end();
      if (req.url === '/loop') return void res.writeHead(302, { Location: '/loop' }).end();
      if (req.url === '/trickle') {
        // A header at once, then a byte every 100 ms, never ending.
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        const timer = setInterval(() => res.write('x'), 100);
        return void res.on('close', () => clearInterval(timer));
      }
      res.end('ok');
    });
    const config = parseConfig({
      probe: {
        allowed_targets: [`127.0.0.1:${web.port}`],
        modules: {
          http_2xx: {
            kind: 'http',
            timeout: '2s',
            headers: {
              Authorization: 'Bearer hidden-token',
              'X-Api-Key': 'hidden-key',
              Cookie: 'session=hidden-cookie',
              'X-Auth-Token': 'hidden-x-token',
              Accept: 'text/plain',
            },
          },
          http_1s: { kind: 'http', timeout: '1s' },
          // Eleven requests: room for them on a loaded machine, so the redirect limit is what stops it.
          http_loop: { kind: 'http', timeout: '15s' },
          dns_server: { kind: 'dns', query_name: 'example.com', timeout: '1s' },
        },
        blackbox_modules: { bb_http: { prober: 'http', timeout: '2s', http: { follow_redirects: false } } },
      },
    });
    const started = await exporterApp(config);
    app = started.app;
    stop = () => started.exporter.stop();
  });
  afterAll(async () => {
    await stop();
    await web.close();
    await elsewhere.close();
  });

  const probe = (target: string, module = 'http_2xx', extra: Record<string, string> = {}) =>
    request(app)
      .get('/probe')
      .query({ target, module, ...extra });

  it('takes a target without a scheme as http://', async () => {
    const res = await probe(`127.0.0.1:${web.port}/ok`).expect(200);
    expect(res.text).toMatch(/^probe_success 1$/m);
    expect(res.text).toMatch(/^probe_http_status_code 200$/m);
  });

  it('reports the body read and the transfer time so far of a probe its timeout cut short, as blackbox does', async () => {
    const res = await probe(`http://127.0.0.1:${web.port}/trickle`, 'http_1s').expect(200);
    expect(res.text).toMatch(/^probe_success 0$/m);
    expect(res.text).toMatch(/^probe_http_status_code 200$/m);
    const bytes = Number(/^probe_http_uncompressed_body_length (\d+)$/m.exec(res.text)?.[1]);
    expect(bytes).toBeGreaterThanOrEqual(3);
    expect(bytes).toBeLessThanOrEqual(11);
    const transfer = Number(/^probe_http_duration_seconds\{phase="transfer"\} (\S+)$/m.exec(res.text)?.[1]);
    expect(transfer).toBeGreaterThan(0.3);
    expect(transfer).toBeLessThan(1.2);
  });

  it('takes the first of a parameter given twice, as blackbox does', async () => {
    const res = await request(app)
      .get(`/probe?target=127.0.0.1:${web.port}/ok&module=http_2xx&module=nope&target=elsewhere`)
      .expect(200);
    expect(res.text).toMatch(/^probe_success 1$/m);
  });

  it('follows a redirect within the allowlist, and counts it', async () => {
    const res = await probe(`http://127.0.0.1:${web.port}/in`).expect(200);
    expect(res.text).toMatch(/^probe_success 1$/m);
    expect(res.text).toMatch(/^probe_http_redirects 1$/m);
  });

  it('does not follow a redirect off the allowlist: the probe fails on the 3xx, nothing is asked there', async () => {
    const res = await probe(`http://127.0.0.1:${web.port}/out`).expect(200);
    expect(res.text).toMatch(/^probe_success 0$/m);
    expect(res.text).toMatch(/^probe_http_status_code 302$/m);
    expect(elsewhereHits).toBe(0);
  });

  it('stops after 10 redirects, as Go does', async () => {
    const res = await probe(`http://127.0.0.1:${web.port}/loop`, 'http_loop').expect(200);
    expect(res.text).toMatch(/^probe_success 0$/m);
    expect(res.text).toMatch(/^probe_http_redirects 11$/m);
  });

  it("takes a blackbox-shaped module's follow_redirects: false", async () => {
    const res = await probe(`http://127.0.0.1:${web.port}/in`, 'bb_http').expect(200);
    expect(res.text).toMatch(/^probe_http_status_code 301$/m);
    expect(res.text).toMatch(/^probe_success 0$/m);
  });

  it('lists the series by name, values as Go writes them', async () => {
    const res = await probe(`127.0.0.1:${web.port}/ok`).expect(200);
    const names = res.text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]);
    expect(names).toEqual([...names].sort());
    expect(res.text).toMatch(/^probe_ip_addr_hash 3\.668918509e\+09$/m);
    expect(res.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('with debug=true, shows the probe log, the series and the module, secrets hidden', async () => {
    const res = await probe(`127.0.0.1:${web.port}/in`, 'http_2xx', { debug: 'true' }).expect(200);
    expect(res.text).toMatch(/^Logs for the probe:\n/);
    expect(res.text).toContain('msg="Beginning probe" probe=http timeout_seconds=2');
    expect(res.text).toContain('msg="Making HTTP request"');
    expect(res.text).toContain('msg="Received redirect" location=/ok');
    expect(res.text).toContain('msg="Probe succeeded"');
    expect(res.text).toMatch(/Metrics that would have been returned:\n# HELP /);
    expect(res.text).toMatch(/^probe_success 1$/m);
    expect(res.text).toMatch(/Module configuration:\nkind: http\n/);
    expect(res.text).toContain('Authorization: <secret>');
    expect(res.text).toContain('X-Api-Key: <secret>');
    expect(res.text).toContain('Cookie: <secret>');
    expect(res.text).toContain('Accept: text/plain');
    expect(res.text).not.toMatch(/hidden-/);
  });

  it("takes a dns module with query_name's target as the server, through the allowlist", async () => {
    const res = await probe('10.1.2.3:53', 'dns_server').expect(403);
    expect(res.body.error.code).toBe('target_not_allowed');
  });
});

describe('/probe with every check slot busy', () => {
  it("fails a probe still waiting for a slot at its timeout, which counts from the request, as Prometheus's does", async () => {
    const stalled = await startHttp(() => undefined); // never answers
    const config = parseConfig({
      max_concurrent_checks: 1,
      probe: {
        allowed_targets: [`127.0.0.1:${stalled.port}`],
        modules: { slow: { kind: 'http', timeout: '3s' }, quick: { kind: 'http', timeout: '1s' } },
      },
    });
    const { app, exporter } = await exporterApp(config);
    const started = Date.now();
    const probe = (module: string) =>
      request(app)
        .get('/probe')
        .query({ target: `http://127.0.0.1:${stalled.port}/`, module, debug: 'true' })
        .expect(200)
        .then((res) => ({ text: res.text, seconds: (Date.now() - started) / 1000 }));
    try {
      const holding = probe('slow');
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Queued behind the slow one: each gives up at its own timeout, not after the slot came free.
      const queued = await Promise.all([probe('quick'), probe('quick')]);
      for (const { text, seconds } of queued) {
        expect(seconds).toBeLessThan(2);
        expect(text).toMatch(/^probe_success 0$/m);
        expect(text).toContain(
          'no free check slot within the 1s timeout (max_concurrent_checks are all busy)',
        );
        expect(text).toMatch(/^probe_duration_seconds 1$/m);
      }
      const slow = await holding;
      expect(slow.text).toMatch(/^probe_success 0$/m);
      expect(slow.seconds).toBeGreaterThanOrEqual(2.9);
    } finally {
      await exporter.stop();
      await stalled.close();
    }
  });
});

describe("/probe's timeout from Prometheus's header", () => {
  it('takes the scrape timeout less 0.5 s, the module timeout when that leaves nothing, and refuses a non-number', async () => {
    const config = parseConfig({
      probe: { allowed_targets: ['127.0.0.1:9'], modules: { tcp: { kind: 'tcp', timeout: '3s' } } },
    });
    const { app, exporter } = await exporterApp(config);
    const timeoutOf = async (header: string) => {
      const res = await request(app)
        .get('/probe')
        .set('X-Prometheus-Scrape-Timeout-Seconds', header)
        .query({ target: '127.0.0.1:9', module: 'tcp', debug: 'true' })
        .expect(200);
      return /timeout_seconds=([\d.]+)/.exec(res.text)?.[1];
    };
    try {
      expect(await timeoutOf('1.5')).toBe('1');
      expect(await timeoutOf('10')).toBe('3');
      // 0.4 s leaves nothing after the margin: the module's, as blackbox_exporter's getTimeout (not 1 ms).
      expect(await timeoutOf('0.4')).toBe('3');
      const bad = await request(app)
        .get('/probe')
        .set('X-Prometheus-Scrape-Timeout-Seconds', 'soon')
        .query({ target: '127.0.0.1:9', module: 'tcp' })
        .expect(400);
      expect(bad.body.error.message).toBe('X-Prometheus-Scrape-Timeout-Seconds is not a number: "soon"');
    } finally {
      await exporter.stop();
    }
  });
});

describe('/probe whose client has gone', () => {
  it('ends the probe and frees its slot when Prometheus hangs up, as blackbox_exporter does', async () => {
    const stalled = await startHttp(() => undefined); // never answers
    const answering = await startHttp((_req, res) => res.end('ok'));
    const config = parseConfig({
      max_concurrent_checks: 1,
      probe: {
        allowed_targets: [`127.0.0.1:${stalled.port}`, `127.0.0.1:${answering.port}`],
        modules: { slow: { kind: 'http', timeout: '3s' }, quick: { kind: 'http', timeout: '1s' } },
      },
    });
    const { app, exporter } = await exporterApp(config);
    try {
      const gaveUp = await request(app)
        .get('/probe')
        .query({ target: `http://127.0.0.1:${stalled.port}/`, module: 'slow' })
        .timeout(200)
        .then(
          () => false,
          (err: { timeout?: number }) => err.timeout !== undefined,
        );
      expect(gaveUp).toBe(true);
      // The one slot is free again long before the abandoned probe's 3 s were up.
      const next = await request(app)
        .get('/probe')
        .query({ target: `http://127.0.0.1:${answering.port}/`, module: 'quick' })
        .expect(200);
      expect(next.text).toMatch(/^probe_success 1$/m);
    } finally {
      await exporter.stop();
      await stalled.close();
      await answering.close();
    }
  });
});

describe('blackbox_modules', () => {
  it('refuses a key blackbox has and the kinds cannot honour, saying why', () => {
    expect(() =>
      parseConfig({
        probe: {
          blackbox_modules: {
            m: { prober: 'http', http: { proxy_url: 'http://proxy:3128', valid_status_codes: [200] } },
            i: { prober: 'icmp' },
          },
        },
      }),
    ).toThrow(
      'probe.blackbox_modules.m.http.proxy_url: proxies are not supported; probe.blackbox_modules.i.prober: the icmp prober is not supported (it needs raw sockets)',
    );
  });

  it('takes module names as names, even those of refused keys or probers', () => {
    const config = parseConfig({
      probe: {
        blackbox_modules: {
          icmp: { prober: 'tcp' },
          authorization: { prober: 'http', http: { headers: { Authorization: 'Bearer x' } } },
        },
      },
    });
    expect([...config.probe.modules.keys()]).toEqual(['icmp', 'authorization']);
    expect(config.probe.modules.get('icmp')?.kind).toBe('tcp');
    // A prober value is refused with a reason only when it names an unsupported prober.
    expect(() => parseConfig({ probe: { blackbox_modules: { m: { prober: 'authorization' } } } })).toThrow(
      "probe.blackbox_modules.m.prober: Invalid discriminator value. Expected 'http' | 'tcp' | 'dns'",
    );
  });

  it("loads Debian's stock patterns and older spellings: ^+OK, (?P<name>…), no_follow_redirects", () => {
    const config = parseConfig({
      probe: {
        blackbox_modules: {
          pop3s_banner: { prober: 'tcp', tcp: { query_response: [{ expect: '^+OK' }], tls: true } },
          named: { prober: 'tcp', tcp: { query_response: [{ expect: '^(?P<greeting>[0-9]+)[$*]' }] } },
          maybe: { prober: 'http', http: { fail_if_body_matches_regexp: ['^*down$?'] } },
          old: { prober: 'http', http: { no_follow_redirects: true } },
        },
      },
    });
    const expect0 = (m: string) =>
      (config.probe.modules.get(m)?.settings as { query_response: { expect: RegExp }[] }).query_response[0]!
        .expect;
    expect(expect0('pop3s_banner').source).toBe('^OK');
    expect(expect0('pop3s_banner').test('+OK POP3 ready')).toBe(false);
    expect(expect0('pop3s_banner').test('OK')).toBe(true);
    expect(expect0('named').source).toBe('^(?<greeting>[0-9]+)[$*]');
    const body = config.probe.modules.get('maybe')?.settings as { fail_if_body_matches_regexp: RegExp[] };
    expect(body.fail_if_body_matches_regexp.map((r) => r.source)).toEqual(['down']);
    expect(config.probe.modules.get('old')?.settings).toMatchObject({ follow_redirects: false });
  });

  it("names every module's problems at once, each at the blackbox key it comes from", () => {
    expect(() =>
      parseConfig({
        probe: {
          blackbox_modules: {
            a: { prober: 'http', http: { tls_config: { ca_file: '/nonexistent/a.pem' } } },
            b: { prober: 'tcp', tcp: { tls: true, tls_config: { ca_file: '/nonexistent/b.pem' } } },
          },
        },
      }),
    ).toThrow(
      /probe\.blackbox_modules\.a\.http\.tls_config\.ca_file: cannot read \/nonexistent\/a\.pem.*; probe\.blackbox_modules\.b\.tcp\.tls_config\.ca_file: cannot read \/nonexistent\/b\.pem/,
    );
  });

  it('refuses a misspelt key as any other', () => {
    expect(() =>
      parseConfig({
        probe: { blackbox_modules: { m: { prober: 'http', http: { valid_status_code: [200] } } } },
      }),
    ).toThrow(/probe\.blackbox_modules\.m\.http.*valid_status_code/);
  });

  it('translates to the kinds: status codes, regexes, TLS and the dns defaults of blackbox', () => {
    const config = parseConfig({
      probe: {
        blackbox_modules: {
          h: {
            prober: 'http',
            timeout: '3s',
            http: {
              valid_status_codes: [200, 301],
              fail_if_body_matches_regexp: ['down'],
              tls_config: { insecure_skip_verify: true },
            },
          },
          d: { prober: 'dns', dns: { query_name: 'example.com' } },
        },
      },
    });
    expect(config.probe.modules.get('h')).toMatchObject({
      kind: 'http',
      timeoutMs: 3000,
      settings: {
        expected_status: [200, 301],
        fail_if_body_matches_regexp: [/down/],
        follow_redirects: true,
        tls: { insecure_skip_verify: true },
      },
    });
    expect(config.probe.modules.get('d')).toMatchObject({
      kind: 'dns',
      settings: {
        query_name: 'example.com',
        record_type: 'ANY',
        require_answers: false,
        valid_rcodes: ['NOERROR'],
      },
    });
  });
});

describe('as Go writes them', () => {
  it('formats floats as strconv.FormatFloat(v, g, -1, 64)', () => {
    expect(
      [0, 1, 200, 1.1, -1, 0.0001, 0.00002157, 123456, 1234567, 3668918509, -62135596800, 0.5].map(goFloat),
    ).toEqual([
      '0',
      '1',
      '200',
      '1.1',
      '-1',
      '0.0001',
      '2.157e-05',
      '123456',
      '1.234567e+06',
      '3.668918509e+09',
      '-6.21355968e+10',
      '0.5',
    ]);
  });

  it('hashes addresses as FNV-1a of their bytes (4 for IPv4, 16 for IPv6)', () => {
    expect(ipHash('127.0.0.1')).toBe(3668918509);
    const fnv = (bytes: number[]) => bytes.reduce((h, b) => Math.imul(h ^ b, 0x01000193) >>> 0, 0x811c9dc5);
    expect(ipHash('::1')).toBe(fnv([...new Array(15).fill(0), 1]));
    expect(ipHash('2001:db8::ff00:42:8329')).toBe(
      fnv([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29]),
    );
  });

  it('writes distinguished names as pkix.Name.String()', () => {
    expect(goDistinguishedName('C=US\nO=Example, Inc.\nCN=www.example.com')).toBe(
      'CN=www.example.com,O=Example\\, Inc.,C=US',
    );
  });
});
