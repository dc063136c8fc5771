import { addDays, daysBetween, localDateAt, zonedInstant, type LocalDate, type WallTime } from './zoned-time';

/**
 * Participants take turns, in order, one shift each. Shift k begins at the handoff wall-clock time, in the
 * rotation's zone, on the start date plus k days (daily) or k weeks (weekly): a weekly rotation hands off on
 * the weekday of its start date, and a shift spanning a DST change is shorter or longer by the change.
 */
export interface Rotation {
  name: string;
  type: 'daily' | 'weekly';
  handoff: WallTime;
  time_zone: string;
  start: LocalDate;
  participants: string[];
}

export interface RotationShift {
  user: string;
  start: Date;
  end: Date;
}

const PERIOD_DAYS: Record<Rotation['type'], number> = { daily: 1, weekly: 7 };

function shiftStart(rotation: Rotation, index: number): Date {
  return zonedInstant(
    addDays(rotation.start, index * PERIOD_DAYS[rotation.type]),
    rotation.handoff,
    rotation.time_zone,
  );
}

/** When the first shift begins. */
export function rotationStart(rotation: Rotation): Date {
  return shiftStart(rotation, 0);
}

/** The shift under way at an instant; undefined before the rotation starts. */
export function shiftAt(rotation: Rotation, at: Date): RotationShift | undefined {
  const elapsedDays = daysBetween(rotation.start, localDateAt(at, rotation.time_zone));
  let index = Math.floor(elapsedDays / PERIOD_DAYS[rotation.type]);
  // On the handoff day itself, before the handoff time, the previous shift is still on.
  if (shiftStart(rotation, index) > at) index--;
  if (index < 0) return undefined;
  return {
    user: rotation.participants[index % rotation.participants.length] as string,
    start: shiftStart(rotation, index),
    end: shiftStart(rotation, index + 1),
  };
}
