import { Socket } from 'node:net';
import { z } from 'zod';
import { defineKind } from './kind';
import { hostPortTarget } from './target';

/** Succeeds when a TCP connection is established; closes it at once. */
export const tcpCheck = defineKind({
  kind: 'tcp',
  settings: z.strictObject({}),
  ...hostPortTarget(),
  async run(spec, { signal }) {
    const socket = new Socket({ signal });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
        socket.connect(spec.port, spec.host);
      });
      return { success: true };
    } finally {
      socket.destroy();
    }
  },
});
