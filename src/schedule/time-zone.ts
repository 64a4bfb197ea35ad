/**
 * IANA time-zone facts the schedule code needs, computed with Intl (no tz database of our own):
 * whether a zone exists, whether it is plain UTC (so croner can take its fast fixed-offset
 * path), a zone's UTC offset at an instant, and whether an instant is the second occurrence of a
 * local wall-clock time repeated by a fall-back transition.
 *
 * Formatters are cached per zone: creating an Intl.DateTimeFormat costs tens of microseconds.
 */

const HOUR_MS = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const knownZones = new Set<string>(['UTC']);

const UTC_ALIASES = new Set([
  'UTC',
  'Etc/UTC',
  'Etc/UCT',
  'UCT',
  'Etc/Universal',
  'Universal',
  'Etc/Zulu',
  'Zulu',
  'GMT',
  'Etc/GMT',
  'Etc/GMT0',
  'Etc/GMT+0',
  'Etc/GMT-0',
  'GMT0',
  'GMT+0',
  'GMT-0',
  'Etc/Greenwich',
  'Greenwich',
]);

/** True when `zone` names an IANA time zone this runtime knows. */
export function isKnownTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  if (zone === '' || zone.trim() !== zone) return false;
  try {
    formatterFor(zone);
    knownZones.add(zone);
    return true;
  } catch {
    return false;
  }
}

/** True for zones that are always UTC+0 with no DST. */
export function isUtcZone(zone: string): boolean {
  return UTC_ALIASES.has(zone);
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at instant `atMs`, in milliseconds (Berlin in summer: +7,200,000). */
export function zoneOffsetMs(zone: string, atMs: number): number {
  if (isUtcZone(zone)) return 0;
  const fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(zone).formatToParts(atMs)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const wallAsUtc = Date.UTC(
    fields.year,
    fields.month - 1,
    fields.day,
    fields.hour,
    fields.minute,
    fields.second,
  );
  return wallAsUtc - Math.floor(atMs / 1000) * 1000;
}

/**
 * True when the local wall-clock time at `atMs` already happened once before, because a
 * fall-back transition (offset decrease) repeated it. Such instants are skipped so that a
 * repeated local time runs once, on its first occurrence.
 */
export function isRepeatedWallTime(zone: string, atMs: number): boolean {
  if (isUtcZone(zone)) return false;
  const offset = zoneOffsetMs(zone, atMs);
  // Real zones never change offset twice within 3 hours, so a fall-back that repeats this wall
  // time must show as a larger offset 3 hours earlier.
  const offsetBefore = zoneOffsetMs(zone, atMs - 3 * HOUR_MS);
  if (offsetBefore <= offset) return false;
  const shift = offsetBefore - offset;
  // The same wall time occurred `shift` earlier iff the offset then was larger by exactly `shift`.
  return zoneOffsetMs(zone, atMs - shift) === offset + shift;
}
