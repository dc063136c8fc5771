import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, duration, parseDuration, positiveDuration, readYamlFile, validateConfig } from '../src';

describe('durations', () => {
  it('parses Prometheus-style durations and refuses anything else', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(duration.safeParse('2w').data).toBe(1_209_600_000);
    expect(positiveDuration.safeParse('0s').success).toBe(false);
  });
});

describe('config files', () => {
  const schema = z.strictObject({
    services: z.record(z.string(), z.strictObject({ checks: z.array(z.strictObject({ url: z.url() })) })),
  });

  it('names the key path of every problem, indexes in brackets, unknown keys by name', () => {
    expect(() =>
      validateConfig(schema, { services: { api: { checks: [{ url: 'nope', extra: 1 }] } }, bogus: 1 }),
    ).toThrow(
      /services\.api\.checks\[0\]\.url: .*; services\.api\.checks\[0\]\.extra: unknown field; bogus: unknown field/,
    );
  });

  it('refuses unreadable files and bad YAML naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-common-'));
    try {
      const path = join(dir, 'bad.yml');
      writeFileSync(path, 'a: [unclosed\n');
      expect(() => readYamlFile(path)).toThrow(ConfigError);
      expect(() => readYamlFile(path)).toThrow(/bad\.yml is not valid YAML/);
      expect(() => readYamlFile(join(dir, 'missing.yml'))).toThrow(/cannot read config file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
