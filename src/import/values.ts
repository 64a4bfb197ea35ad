/**
 * Ofelia's value syntaxes, as Go parses them: booleans (strconv.ParseBool) and durations
 * (time.ParseDuration, rounded up to whole seconds).
 */
import { parseDuration } from '../schedule/duration.ts';

/** Go's strconv.ParseBool. */
export function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text.trim())) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text.trim())) return false;
  return undefined;
}

/** Go duration to whole seconds (rounded up: a limit never gets shorter). */
export function durationSeconds(text: string): number | undefined {
  const parsed = parseDuration(text.trim());
  return parsed.ok ? Math.ceil(parsed.ms / 1000) : undefined;
}
