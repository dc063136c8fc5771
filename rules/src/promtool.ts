import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';

export interface ToolResult {
  ok: boolean;
  output: string;
}

function run(tool: string, args: string[], cwd?: string): ToolResult {
  const result = spawnSync(tool, args, { cwd, encoding: 'utf8' });
  if (result.error) return { ok: false, output: `cannot run ${tool}: ${result.error.message}` };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

export const checkRules = (files: string[]) => run('promtool', ['check', 'rules', ...files]);

/** promtool resolves a test file's rule_files from its own directory, so run it there. */
export const testRules = (file: string) => run('promtool', ['test', 'rules', file], dirname(file));

export const checkAlertmanagerConfig = (file: string) => run('amtool', ['check-config', file]);
