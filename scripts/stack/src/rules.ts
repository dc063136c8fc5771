import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import yaml from 'js-yaml';

interface RuleFile {
  groups?: { rules?: { alert?: string; for?: string; [key: string]: unknown }[]; [key: string]: unknown }[];
}

/**
 * The files a rule_files pattern names. Prometheus globs them itself; here they must be known one by
 * one to swap some for rewritten copies. Wildcards (`*`, `?`) are supported in the file name only, which
 * is all provisioning uses.
 */
export function expandRuleFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  if (/[*?[]/.test(dir)) throw new Error(`${pattern}: wildcards are supported in the file name only`);
  const glob = basename(pattern).replace(/[.+^${}()|\\]/g, '\\$&');
  const name = new RegExp(`^${glob.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return readdirSync(dir)
    .filter((file) => name.test(file))
    .sort()
    .map((file) => join(dir, file));
}

/** The document with `for:` replaced on the alerting rules named in `alertFor`, and the names it replaced. */
export function withAlertFor(doc: RuleFile, alertFor: Record<string, string>) {
  const replaced = new Set<string>();
  const groups = doc.groups?.map((group) => ({
    ...group,
    rules: group.rules?.map((rule) => {
      const duration = rule.alert === undefined ? undefined : alertFor[rule.alert];
      if (duration === undefined) return rule;
      replaced.add(rule.alert as string);
      return { ...rule, for: duration };
    }),
  }));
  return { doc: { ...doc, groups }, replaced };
}

/**
 * Rule files for Prometheus with the `for:` of the alerts in `alertFor` rewritten: each file holding one
 * of them is replaced by a copy in outDir, the others are loaded as they are. Naming an alert that no
 * file defines is an error, so a renamed rule cannot silently make a test wait out its real `for:`.
 */
export function rulesWithAlertFor(
  patterns: string[],
  alertFor: Record<string, string>,
  outDir: string,
): string[] {
  mkdirSync(outDir, { recursive: true });
  const replaced = new Set<string>();
  const files = patterns.flatMap(expandRuleFiles).map((file, i) => {
    const rewritten = withAlertFor(yaml.load(readFileSync(file, 'utf8')) as RuleFile, alertFor);
    if (rewritten.replaced.size === 0) return file;
    rewritten.replaced.forEach((alert) => replaced.add(alert));
    // Numbered, since rule files from different directories may share a name.
    const copy = join(outDir, `${i}-${basename(file)}`);
    writeFileSync(
      copy,
      `# ${file} with for: rewritten by npm run stack, for tests.\n${yaml.dump(rewritten.doc)}`,
    );
    return copy;
  });
  const unknown = Object.keys(alertFor).filter((alert) => !replaced.has(alert));
  if (unknown.length > 0)
    throw new Error(
      `--alert-for: no alerting rule named ${unknown.join(', ')} in the rule files Prometheus loads (${patterns.join(', ')})`,
    );
  return files;
}
