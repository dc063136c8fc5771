import type { ParserKind } from './kind';
/**
 * OpenSSH server lines (auth.log, secure, or sshd's syslog messages): `ssh_event` is failed_login,
 * invalid_user or accepted_login with user, client_ip and method; `repeat` is how many lines this one
 * stands for. Other sshd lines parse with the syslog fields only; other programs' lines do not match.
 */
export declare const sshdParser: ParserKind;
