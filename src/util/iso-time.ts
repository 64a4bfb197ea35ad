/** Instants as the API writes them: RFC 3339 in UTC with milliseconds (`Date#toISOString`). */

/** Epoch milliseconds as `2026-01-01T00:00:00.000Z`. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
