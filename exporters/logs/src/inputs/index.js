"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.INPUT_KINDS = void 0;
const file_1 = require("./file");
const stdin_1 = require("./stdin");
const syslog_1 = require("./syslog");
/** Every input, by the `kind` a source's `input:` block names. */
exports.INPUT_KINDS = new Map([file_1.fileInput, stdin_1.stdinInput, syslog_1.syslogInput].map((i) => [i.kind, i]));
//# sourceMappingURL=index.js.map