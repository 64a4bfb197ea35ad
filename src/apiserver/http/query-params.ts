/**
 * Query parameters as a real API server reads them.
 *
 * Booleans follow Go's strconv.ParseBool, which every Kubernetes client was written against:
 * 1, t, T, TRUE, true, True are true; 0, f, F, FALSE, false, False are false. The Python client
 * sends `watch=True`, client-go `watch=true`, curl users `watch=1`. An empty value counts as
 * absent; anything else is a 400 naming the parameter, never a silent false.
 * Pure: URLSearchParams in, values or a thrown ApiError out.
 */
import { errors } from '../status-errors.ts';

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** The boolean parameter `name`, `false` when absent or empty. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const raw = q.get(name);
  if (raw === null || raw === '') return false;
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw errors.badRequest(
    `${name}: Invalid value: ${JSON.stringify(raw)}: must be a boolean (true, false, 1, 0, True, False, t, f)`,
  );
}

/** A whole number of seconds >= 0 (`timeoutSeconds`), or undefined when absent or empty. */
export function secondsParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n))
    throw errors.badRequest(
      `${name}: Invalid value: ${JSON.stringify(raw)}: must be a whole number of seconds`,
    );
  return n;
}
