import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';

/*
 * Regexes from configs run on V8's backtracking engine: fast, but a pattern like ^(a+)+$ takes minutes on
 * a 30-character input, and log lines and probed bodies are anyone's to write. With these flags a match
 * that backtracks too far (50,000 steps) continues on V8's linear-time engine, and the `l` flag compiles a
 * pattern for that engine at load, so that one it cannot run is refused there, as RE2 (Prometheus's,
 * blackbox_exporter's, mtail's) refuses it.
 */
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/**
 * Go (RE2) syntax that patterns copied from blackbox.yml or Prometheus configs use, which JavaScript calls
 * an "Invalid group", with what to write instead.
 */
const RE2_GROUPS: [RegExp, string][] = [
  [/\(\?P</, 'a named group is (?<name>…) in JavaScript, not (?P<name>…)'],
  [
    /\(\?[imsU-]+[:)]/,
    'JavaScript has no inline flags such as (?i), and these patterns take no flags: spell the cases out ([Ee]rror), and write [^] for a (?s) dot',
  ],
];

/** Why a config's regex is refused: it does not compile, or it could only run by backtracking. */
export function regexProblem(text: string): string | undefined {
  try {
    new RegExp(text);
  } catch (err) {
    const message = (err as Error).message;
    const hints = message.endsWith('Invalid group')
      ? RE2_GROUPS.filter(([syntax]) => syntax.test(text)).map(([, hint]) => hint)
      : message.endsWith('Nothing to repeat') && /(^|[^\\])[$^][*+?{]/.test(text)
        ? [`a quantifier after ^ or $ repeats nothing: write \\+ for a literal "+" (as in "^\\+OK")`]
        : [];
    return [message, ...hints].join('; ');
  }
  try {
    // eslint-disable-next-line no-invalid-regexp -- `l` (linear) exists with the flag set above
    new RegExp(text, 'l');
  } catch {
    return `/${text}/ can only run by backtracking (a backreference, lookahead or lookbehind, or a repetition counted in hundreds), which can take minutes on one input; write it as RE2 (Prometheus's regexes) allows`;
  }
  return undefined;
}

/** A regular expression, compiled at load so that a bad one refuses the config rather than every run. */
export const regexSchema = z.string().transform((text, ctx) => {
  const problem = regexProblem(text);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return new RegExp(text);
});
