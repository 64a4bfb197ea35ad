/** Named instants shared by the schedule tests (all epoch ms). */

export const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad fixture ${iso}`);
  return ms;
};
export const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

export const newYear2026 = at('2026-01-01T00:00:00Z');
export const justBeforeTheHour = at('2026-03-10T09:59:30Z');
export const topOfTheHour = at('2026-03-10T10:00:00Z');
export const midMorning = at('2026-03-10T10:17:42.250Z');
/** A Wednesday. */
export const wednesdayNoon = at('2026-06-17T12:00:00Z');
/** Europe/Berlin springs forward 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z). */
export const berlinSpringForwardEve = at('2026-03-28T22:00:00Z');
/** Europe/Berlin falls back 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z). */
export const berlinFallBackEve = at('2026-10-24T22:00:00Z');
/** America/New_York springs forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z). */
export const newYorkSpringForwardEve = at('2026-03-08T04:00:00Z');
/** America/New_York falls back 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z). */
export const newYorkFallBackEve = at('2026-11-01T03:00:00Z');

/** The first `count` due times strictly after `afterMs`. */
export function nextN(
  schedule: { next(afterMs: number): number | undefined },
  afterMs: number,
  count: number,
) {
  const out: string[] = [];
  let cursor = afterMs;
  for (let i = 0; i < count; i++) {
    const due = schedule.next(cursor);
    if (due === undefined) break;
    out.push(new Date(due).toISOString());
    cursor = due;
  }
  return out;
}
