import { rotationStart, shiftAt, type Rotation } from './rotation';

/** Someone covers [from, to) instead of whoever the rotation has on call. */
export interface Override {
  user: string;
  from: Date;
  to: Date;
}

/**
 * Rotations take over from one another: at any instant the rotation that started last is in force, so a
 * new roster is added as a new rotation with a later start. Overrides beat rotations, and where overrides
 * overlap the later one in the list wins.
 */
export interface Schedule {
  name: string;
  rotations: Rotation[];
  overrides: Override[];
}

/**
 * One stretch of the on-call timeline: the user stays the same, and for the same reason, from shiftStart
 * to shiftEnd. An override that starts in the middle of a shift ends the shift's stretch there, and the
 * rotation's user takes over again when the override ends.
 */
export interface OnCall {
  user: string;
  /** The rotation in force; for an override, the one it stands in for at its start (none if none). */
  rotation?: string;
  override?: Override;
  shiftStart: Date;
  shiftEnd: Date;
}

interface Span {
  start: number;
  end: number;
}

function rotationShiftAt(
  schedule: Schedule,
  at: number,
): ({ rotation: string; user: string } & Span) | undefined {
  const starts = schedule.rotations.map((r) => rotationStart(r).getTime());
  let current: number | undefined;
  for (const [i, start] of starts.entries()) {
    if (start <= at && (current === undefined || start >= (starts[current] as number))) current = i;
  }
  if (current === undefined) return undefined;
  const rotation = schedule.rotations[current] as Rotation;
  const shift = shiftAt(rotation, new Date(at))!; // it has started
  // A rotation starting later ends this one's shift early.
  const takenOver = Math.min(...starts.filter((s) => s > at));
  return {
    rotation: rotation.name,
    user: shift.user,
    start: shift.start.getTime(),
    end: Math.min(shift.end.getTime(), takenOver),
  };
}

/** The part of `span` around `at` that none of the overrides covers (`at` itself must be uncovered). */
function uncoveredAround(span: Span, at: number, overrides: readonly Override[]): Span {
  let { start, end } = span;
  for (const o of overrides) {
    const from = o.from.getTime();
    const to = o.to.getTime();
    if (to > start && to <= at) start = to;
    if (from > at && from < end) end = from;
  }
  return { start, end };
}

function onCallAt(schedule: Schedule, at: number): OnCall | undefined {
  const { overrides } = schedule;
  const top = overrides.findLastIndex((o) => o.from.getTime() <= at && at < o.to.getTime());
  if (top >= 0) {
    const override = overrides[top] as Override;
    const span = { start: override.from.getTime(), end: override.to.getTime() };
    const { start, end } = uncoveredAround(span, at, overrides.slice(top + 1));
    return {
      user: override.user,
      rotation: rotationShiftAt(schedule, start)?.rotation,
      override,
      shiftStart: new Date(start),
      shiftEnd: new Date(end),
    };
  }
  const shift = rotationShiftAt(schedule, at);
  if (!shift) return undefined;
  const { start, end } = uncoveredAround(shift, at, overrides);
  return { user: shift.user, rotation: shift.rotation, shiftStart: new Date(start), shiftEnd: new Date(end) };
}

/** Who is on call at an instant; undefined when no rotation has started yet and no override applies. */
export function whoIsOnCall(schedule: Schedule, at: Date): OnCall | undefined {
  return onCallAt(schedule, at.getTime());
}

/**
 * The next `count` stretches of the timeline, starting with the one under way at `at` (if any); stretches
 * with nobody on call are skipped. Fewer come back only when a schedule of overrides alone runs out.
 */
export function nextShifts(schedule: Schedule, at: Date, count: number): OnCall[] {
  const out: OnCall[] = [];
  let t = at.getTime();
  while (out.length < count) {
    const current = onCallAt(schedule, t);
    if (current) {
      out.push(current);
      t = current.shiftEnd.getTime();
      continue;
    }
    // Nobody is on call: no rotation has started and no override applies; jump to whichever begins first.
    const next = Math.min(
      ...schedule.rotations.map((r) => rotationStart(r).getTime()).filter((s) => s > t),
      ...schedule.overrides.map((o) => o.from.getTime()).filter((s) => s > t),
    );
    if (next === Infinity) break;
    t = next;
  }
  return out;
}
