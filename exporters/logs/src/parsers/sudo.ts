import { z } from 'zod';
import type { Fields, ParserKind } from './kind';
import { parseProgramLine } from './program';

const PROGRAMS = new Set(['sudo']);
/**
 * "user : [what happened ; ]TTY=… ; PWD=… ; USER=… ; [ENV=… ; ]COMMAND=…". The user name (SSSD and AD
 * ones hold spaces; none holds the ":" of passwd's fields) runs to " : "; values (a PWD with spaces,
 * ENV=A=1 B=2) to the next " ; ".
 */
const INVOKER = '^\\s*([^:]+?) : ';
const RUN_AS = ';(?:.*? ;)? USER=([^;]+?)(?: ;|$)';
/** sudo's refusals; "NOT authorized on host" is a sudoers without a rule for the user on this host. */
const REFUSALS: Record<string, string> = {
  'user NOT in sudoers': 'not_in_sudoers',
  'user NOT authorized on host': 'not_in_sudoers',
  'command not allowed': 'command_not_allowed',
};
const EVENTS: [RegExp, (m: RegExpExecArray) => Fields][] = [
  [
    // pam_unix writes user= last.
    /^pam_unix\(sudo(?:-i)?:auth\): authentication failure;.*?\buser=(.+?)\s*$/,
    (m) => ({ sudo_event: 'auth_failure', user: m[1] as string }),
  ],
  [
    new RegExp(`${INVOKER}(\\d+) incorrect password attempts? ${RUN_AS}`),
    (m) => ({
      sudo_event: 'incorrect_password',
      user: m[1] as string,
      attempts: m[2] as string,
      run_as: m[3] as string,
    }),
  ],
  [
    new RegExp(`${INVOKER}(${Object.keys(REFUSALS).join('|')}) ${RUN_AS}`),
    (m) => ({ sudo_event: REFUSALS[m[2] as string] as string, user: m[1] as string, run_as: m[3] as string }),
  ],
  [
    new RegExp(`${INVOKER}(?:[A-Z]+=[^;]* ; )*?USER=([^;]+?) ; (?:[A-Z]+=[^;]* ; )*?COMMAND=(.*)$`),
    (m) => ({ sudo_event: 'command', user: m[1] as string, run_as: m[2] as string, command: m[3] as string }),
  ],
];

/**
 * sudo's lines: `sudo_event` is auth_failure (pam_unix, one per wrong password), incorrect_password (the
 * summary when sudo gives up, with `attempts`), not_in_sudoers, command_not_allowed or command, with user
 * (who ran sudo) and run_as; `repeat` is how many lines this one stands for. Other programs' lines do not
 * match.
 */
export const sudoParser: ParserKind = {
  kind: 'sudo',
  settings: z.strictObject({}),
  create: () => (line) =>
    parseProgramLine(line, PROGRAMS, (message) => {
      for (const [re, fields] of EVENTS) {
        const m = re.exec(message);
        if (m) return fields(m);
      }
      return undefined;
    }),
};
