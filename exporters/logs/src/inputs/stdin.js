"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.stdinInput = void 0;
const zod_1 = require("zod");
const lines_1 = require("../lines");
const settings = zod_1.z.strictObject({});
/** Lines piped to the exporter (`app | vigil-logs`); the last line is taken at end of input. */
exports.stdinInput = {
    kind: 'stdin',
    settings,
    create: (_settings, ctx) => {
        const splitter = new lines_1.LineSplitter(ctx.maxLineBytes, ctx.sink);
        const onData = (chunk) => {
            ctx.stats.bytesRead += chunk.length;
            splitter.push(chunk);
        };
        const onEnd = () => {
            splitter.flush();
            ctx.log.info({ source: ctx.source }, 'end of standard input');
        };
        return {
            async start() {
                ctx.stdin.on('data', onData);
                ctx.stdin.once('end', onEnd);
                // A previous input on the same stream (before a reload restarted this source) paused it.
                ctx.stdin.resume();
            },
            async stop() {
                ctx.stdin.off('data', onData);
                ctx.stdin.off('end', onEnd);
                ctx.stdin.pause();
            },
            catchUp: async () => undefined,
            lagBytes: () => 0,
            openFiles: () => 0,
        };
    },
};
//# sourceMappingURL=stdin.js.map