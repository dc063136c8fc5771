"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.sshdParser = void 0;
const zod_1 = require("zod");
const syslog_1 = require("./syslog");
/** OpenSSH 9.8 moved per-connection logging to sshd-session. */
const PROGRAMS = new Set(['sshd', 'sshd-session']);
/** rsyslog folds identical lines into "message repeated N times: [ … ]"; each one still counts. */
const REPEATED = /^message repeated (\d+) times: \[ ?([\s\S]*?) ?\]$/;
/**
 * The address is taken from the end of the line, so a user name containing " from 1.2.3.4 port 1" (a
 * known log-injection trick) cannot put a forged address in its place.
 */
const TAIL = 'from (\\S+)(?: port (\\d+))?(?: ssh\\d)?(?:: .*)?(?: \\[preauth\\])?$';
const EVENTS = [
    [
        new RegExp(`^Failed (\\S+) for (invalid user )?(.*) ${TAIL}`),
        (m) => ({
            ssh_event: 'failed_login',
            method: m[1],
            invalid_user: m[2] ? 'true' : 'false',
            user: m[3],
            client_ip: m[4],
        }),
    ],
    [
        new RegExp(`^Invalid user (.*) ${TAIL}`),
        (m) => ({ ssh_event: 'invalid_user', user: m[1], client_ip: m[2] }),
    ],
    [
        new RegExp(`^Accepted (\\S+) for (\\S+) ${TAIL}`),
        (m) => ({
            ssh_event: 'accepted_login',
            method: m[1],
            user: m[2],
            client_ip: m[3],
        }),
    ],
];
/**
 * OpenSSH server lines (auth.log, secure, or sshd's syslog messages): `ssh_event` is failed_login,
 * invalid_user or accepted_login with user, client_ip and method; `repeat` is how many lines this one
 * stands for. Other sshd lines parse with the syslog fields only; other programs' lines do not match.
 */
exports.sshdParser = {
    kind: 'sshd',
    settings: zod_1.z.strictObject({}),
    create: () => (line) => {
        const found = (0, syslog_1.messageOf)(line, PROGRAMS);
        if (!found)
            return undefined;
        let message = found.message;
        let repeat = '1';
        const r = REPEATED.exec(message);
        if (r) {
            repeat = r[1];
            message = r[2];
        }
        for (const [re, fields] of EVENTS) {
            const m = re.exec(message);
            if (m)
                return { ...found.header, ...fields(m), repeat };
        }
        return found.header.program ? found.header : undefined;
    },
};
//# sourceMappingURL=sshd.js.map