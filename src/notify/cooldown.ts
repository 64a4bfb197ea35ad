/**
 * The cooldown of one notifier, per job: after a message of some kind (Failed, Missed ...) is let
 * through, further messages of the SAME kind for the same job within `cooldownMs` are held back and
 * counted; the next message sent for that job — of any kind, so a `Recovered` right after a burst of
 * failures still goes out at once — carries the count (`suppressed`), so nothing is silently lost.
 * Bounded: at most `maxJobs` jobs remembered, the least recently used forgotten first. Pure: takes
 * `now`.
 */
interface JobEntry {
  /** When a message of each kind was last let through. */
  sentAt: Map<string, number>;
  /** Messages held back since the last one sent for this job. */
  held: number;
}

export class Cooldown {
  private readonly jobs = new Map<string, JobEntry>();

  constructor(
    private readonly cooldownMs: number,
    private readonly maxJobs = 10_000,
  ) {}

  /** `{ send: true, suppressed }` to send now (with the count held back before), or `{ send: false }`. */
  admit(job: string, kind: string, now: number): { send: true; suppressed: number } | { send: false } {
    if (this.cooldownMs <= 0) return { send: true, suppressed: 0 };
    const entry = this.jobs.get(job) ?? { sentAt: new Map<string, number>(), held: 0 };
    this.jobs.delete(job);
    this.jobs.set(job, entry);
    while (this.jobs.size > this.maxJobs) this.jobs.delete(this.jobs.keys().next().value as string);
    const last = entry.sentAt.get(kind);
    if (last !== undefined && now - last < this.cooldownMs) {
      entry.held++;
      return { send: false };
    }
    const suppressed = entry.held;
    entry.held = 0;
    entry.sentAt.set(kind, now);
    return { send: true, suppressed };
  }
}
