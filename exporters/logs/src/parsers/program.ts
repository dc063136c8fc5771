import type { Fields } from './kind';
import { messageOf } from './syslog';

/** rsyslog folds identical lines into "message repeated N times: [ … ]"; each one still counts. */
const REPEATED = /^message repeated (\d+) times: \[ ?([\s\S]*?) ?\]$/;
/**
 * The most lines one "message repeated" stands for. rsyslog flushes a fold when another message arrives
 * or at its repeat interval, so real counts stay small (an sshd connection repeats at most MaxAuthTries
 * lines); a forged "message repeated 99999999999999999999999 times" must not add 1e23.
 */
const MAX_REPEAT = 10_000;

/**
 * A line of one of `programs` as events: `match` reads the message (unwrapped from "message repeated"),
 * and its fields come with the syslog header and `repeat`, how many lines this one stands for. A line
 * of the program that `match` does not know gives the header only; other programs' lines do not match.
 */
export function parseProgramLine(
  line: string,
  programs: Set<string>,
  match: (message: string, header: Fields) => Fields | undefined,
): Fields | undefined {
  const found = messageOf(line, programs);
  if (!found) return undefined;
  const r = REPEATED.exec(found.message);
  const fields = match(r ? (r[2] as string) : found.message, found.header);
  if (fields)
    return { ...found.header, ...fields, repeat: String(Math.min(Number(r?.[1] ?? 1), MAX_REPEAT)) };
  return found.header.program ? found.header : undefined;
}
