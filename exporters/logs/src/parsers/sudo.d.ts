import type { ParserKind } from './kind';
/**
 * sudo's lines: `sudo_event` is auth_failure (pam_unix, one per wrong password), incorrect_password (the
 * summary when sudo gives up, with `attempts`), not_in_sudoers, command_not_allowed or command, with user
 * (who ran sudo) and run_as. Other programs' lines do not match.
 */
export declare const sudoParser: ParserKind;
