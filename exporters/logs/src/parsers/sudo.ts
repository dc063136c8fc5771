import { z } from 'zod';
import type { Fields, ParserKind } from './kind';
import { messageOf } from './syslog';

const PROGRAMS = new Set(['sudo']);
const EVENTS: [RegExp, (m: RegExpExecArray) => Fields][] = [
  [
    /^pam_unix\(sudo(?:-i)?:auth\): authentication failure;.*?\buser=(\S+)/,
    (m) => ({ sudo_event: 'auth_failure', user: m[1] as string }),
  ],
  [
    /^\s*(\S+) : (\d+) incorrect password attempts? ;.*?USER=(\S+)/,
    (m) => ({
      sudo_event: 'incorrect_password',
      user: m[1] as string,
      attempts: m[2] as string,
      run_as: m[3] as string,
    }),
  ],
  [
    /^\s*(\S+) : user NOT in sudoers ;.*?USER=(\S+)/,
    (m) => ({ sudo_event: 'not_in_sudoers', user: m[1] as string, run_as: m[2] as string }),
  ],
  [
    /^\s*(\S+) : command not allowed ;.*?USER=(\S+)/,
    (m) => ({ sudo_event: 'command_not_allowed', user: m[1] as string, run_as: m[2] as string }),
  ],
  [
    /^\s*(\S+) : (?:[A-Z]+=\S* ; )*USER=(\S+) ; (?:[A-Z]+=\S* ; )*COMMAND=(.*)$/,
    (m) => ({ sudo_event: 'command', user: m[1] as string, run_as: m[2] as string, command: m[3] as string }),
  ],
];

/**
 * sudo's lines: `sudo_event` is auth_failure (pam_unix, one per wrong password), incorrect_password (the
 * summary when sudo gives up, with `attempts`), not_in_sudoers, command_not_allowed or command, with user
 * (who ran sudo) and run_as. Other programs' lines do not match.
 */
export const sudoParser: ParserKind = {
  kind: 'sudo',
  settings: z.strictObject({}),
  create: () => (line) => {
    const found = messageOf(line, PROGRAMS);
    if (!found) return undefined;
    for (const [re, fields] of EVENTS) {
      const m = re.exec(found.message);
      if (m) return { ...found.header, ...fields(m) };
    }
    return found.header.program ? found.header : undefined;
  },
};
