/**
 * Health checks in the manner of controller-runtime's healthz: a named check that resolves when
 * healthy and throws (with a reason) when not. `runChecks` runs a set of them, each bounded by a
 * timeout, and never throws itself.
 */

export interface Checker {
  /** Short kebab-case name shown in /readyz?verbose, e.g. `informer-synced`. */
  readonly name: string;
  /** Resolves when healthy; throws an Error whose message is the reason when not. */
  check(signal: AbortSignal): void | Promise<void>;
}

export interface CheckOutcome {
  name: string;
  ok: boolean;
  /** Why it failed (absent when ok). */
  reason?: string;
}

export class CheckTimeoutError extends Error {
  readonly reason = 'CheckTimeout';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'CheckTimeoutError';
  }
}

/** A checker from a function returning `{ ok, reasons }`-style state (e.g. the controller's ready()). */
export function checkerFrom(
  name: string,
  state: () =>
    | { ok: boolean; reasons?: readonly string[] }
    | Promise<{ ok: boolean; reasons?: readonly string[] }>,
): Checker {
  return {
    name,
    async check() {
      const s = await state();
      if (!s.ok) throw new Error(s.reasons?.length ? s.reasons.join('; ') : 'not ready');
    },
  };
}

/** Runs every check concurrently; a check that takes longer than `timeoutMs` fails. */
export async function runChecks(checkers: readonly Checker[], timeoutMs: number): Promise<CheckOutcome[]> {
  return Promise.all(
    checkers.map(async (c): Promise<CheckOutcome> => {
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new CheckTimeoutError(timeoutMs));
        }, timeoutMs);
      });
      try {
        await Promise.race([Promise.resolve().then(() => c.check(controller.signal)), timeout]);
        return { name: c.name, ok: true };
      } catch (e) {
        return { name: c.name, ok: false, reason: e instanceof Error ? e.message : String(e) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/**
 * The Kubernetes text form: `ok` when all pass (or every line with `verbose`), otherwise one
 * `[-]name failed: reason` line per failing check (every check with `verbose`) and a last line
 * `<endpoint> check failed`.
 */
export function formatOutcomes(
  endpoint: string,
  outcomes: readonly CheckOutcome[],
  verbose: boolean,
): string {
  const allOk = outcomes.every((o) => o.ok);
  if (allOk && !verbose) return 'ok\n';
  const lines = outcomes
    .filter((o) => verbose || !o.ok)
    .map((o) => (o.ok ? `[+]${o.name} ok` : `[-]${o.name} failed: ${oneLine(o.reason ?? 'failed')}`));
  lines.push(allOk ? `${endpoint} check passed` : `${endpoint} check failed`);
  return `${lines.join('\n')}\n`;
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
