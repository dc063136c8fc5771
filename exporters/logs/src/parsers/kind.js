"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ParseError = void 0;
/** The line is of the parser's format but cannot be decoded (bad JSON, a malformed header). */
class ParseError {
    reason;
    constructor(reason) {
        this.reason = reason;
    }
}
exports.ParseError = ParseError;
//# sourceMappingURL=kind.js.map