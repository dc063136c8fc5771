"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.sudoParser = void 0;
const zod_1 = require("zod");
const syslog_1 = require("./syslog");
const PROGRAMS = new Set(['sudo']);
const EVENTS = [
    [
        /^pam_unix\(sudo(?:-i)?:auth\): authentication failure;.*?\buser=(\S+)/,
        (m) => ({ sudo_event: 'auth_failure', user: m[1] }),
    ],
    [
        /^\s*(\S+) : (\d+) incorrect password attempts? ;.*?USER=(\S+)/,
        (m) => ({
            sudo_event: 'incorrect_password',
            user: m[1],
            attempts: m[2],
            run_as: m[3],
        }),
    ],
    [
        /^\s*(\S+) : user NOT in sudoers ;.*?USER=(\S+)/,
        (m) => ({ sudo_event: 'not_in_sudoers', user: m[1], run_as: m[2] }),
    ],
    [
        /^\s*(\S+) : command not allowed ;.*?USER=(\S+)/,
        (m) => ({ sudo_event: 'command_not_allowed', user: m[1], run_as: m[2] }),
    ],
    [
        /^\s*(\S+) : (?:[A-Z]+=\S* ; )*USER=(\S+) ; (?:[A-Z]+=\S* ; )*COMMAND=(.*)$/,
        (m) => ({ sudo_event: 'command', user: m[1], run_as: m[2], command: m[3] }),
    ],
];
/**
 * sudo's lines: `sudo_event` is auth_failure (pam_unix, one per wrong password), incorrect_password (the
 * summary when sudo gives up, with `attempts`), not_in_sudoers, command_not_allowed or command, with user
 * (who ran sudo) and run_as. Other programs' lines do not match.
 */
exports.sudoParser = {
    kind: 'sudo',
    settings: zod_1.z.strictObject({}),
    create: () => (line) => {
        const found = (0, syslog_1.messageOf)(line, PROGRAMS);
        if (!found)
            return undefined;
        for (const [re, fields] of EVENTS) {
            const m = re.exec(found.message);
            if (m)
                return { ...found.header, ...fields(m) };
        }
        return found.header.program ? found.header : undefined;
    },
};
//# sourceMappingURL=sudo.js.map