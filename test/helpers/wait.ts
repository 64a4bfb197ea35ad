/**
 * The two ways tests wait, in one place:
 * - `settle()` lets queued microtasks and immediates run (a fake clock does not move time, but
 *   promise chains still need turns of the event loop to complete). Twenty turns is more than any
 *   chain in the code takes; a test that needs more is waiting for real I/O and must use waitFor.
 * - `waitFor(what, probe)` polls a real condition (a process, a socket, an API object) until it
 *   holds, and fails with `what` and the last value seen when it does not within the bound.
 */

const SETTLE_TURNS = 20;

export async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined/false; bounded. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    last = value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
