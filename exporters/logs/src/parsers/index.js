"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PARSER_KINDS = void 0;
const combined_1 = require("./combined");
const json_1 = require("./json");
const regex_1 = require("./regex");
const sshd_1 = require("./sshd");
const sudo_1 = require("./sudo");
const syslog_1 = require("./syslog");
/** Every parser, by the `kind` a source's `parser:` block names. */
exports.PARSER_KINDS = new Map([regex_1.regexParser, json_1.jsonParser, combined_1.combinedParser, syslog_1.syslogParser, sshd_1.sshdParser, sudo_1.sudoParser].map((p) => [p.kind, p]));
//# sourceMappingURL=index.js.map