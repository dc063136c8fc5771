import type { Request, Response } from 'express';
import type { Stored } from './merge-loop';

/**
 * How long the merge thread lets webhook requests go first: a delivery is merged at most this much later
 * than it would be otherwise. During a storm, merging (most of its CPU) waits while Alertmanager's requests
 * are being answered, then catches up; with no request in progress it does not wait at all.
 */
export const YIELD_MS = 5000;
/**
 * How often a waiting batch looks again. A look that finds no request in progress, in a storm's brief
 * gaps, begins a merge mid-storm; at 50 ms rather than 5 ms the merge threads took half the CPU while a
 * storm was answered, and SQLite's p99 came closer to the bare server's (README, "Benchmark").
 */
const POLL_MS = 50;

/**
 * Counts a webhook request as being answered until its response is done or its connection is gone. Both:
 * a pipelined response still queued behind another never closes when the client hangs up, its socket does.
 */
export function countReceiving(receiving: Int32Array, req: Request, res: Response): void {
  Atomics.add(receiving, 0, 1);
  const { socket } = req;
  let counted = true;
  // Either may come first, and the other still fires once: a listener removed during an emit is called.
  const done = () => {
    if (!counted) return;
    counted = false;
    res.off('close', done);
    socket.off('close', done);
    Atomics.sub(receiving, 0, 1);
  };
  res.once('close', done);
  socket.once('close', done);
}

/**
 * Waits while webhook requests are being answered, until the batch's oldest delivery was stored YIELD_MS
 * ago. Deliveries read back from the inbox (no storedAt) are behind already: they do not wait.
 */
export async function yieldToDeliveries(
  receiving: Int32Array,
  batch: Stored[],
  now: () => number = Date.now,
): Promise<void> {
  const until = Math.min(...batch.map((item) => item.storedAt ?? 0)) + YIELD_MS;
  for (let left; Atomics.load(receiving, 0) > 0 && (left = until - now()) > 0;) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
  }
}
