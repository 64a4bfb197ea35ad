/**
 * The cooldown of one notifier: per (job, event), after a message is let through, further ones
 * within `cooldownMs` are held back and counted; the next one let through carries that count
 * (`suppressed`), so nothing is silently lost. Bounded: at most `maxKeys` entries, the oldest
 * forgotten first. Pure: takes `now`.
 */
export class Cooldown {
  private readonly last = new Map<string, { sentAt: number; held: number }>();

  constructor(
    private readonly cooldownMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** `{ send: true, suppressed }` to send now (with the count held back before), or `{ send: false }`. */
  admit(key: string, now: number): { send: true; suppressed: number } | { send: false } {
    if (this.cooldownMs <= 0) return { send: true, suppressed: 0 };
    const entry = this.last.get(key);
    if (entry && now - entry.sentAt < this.cooldownMs) {
      entry.held++;
      return { send: false };
    }
    const suppressed = entry?.held ?? 0;
    this.last.delete(key);
    this.last.set(key, { sentAt: now, held: 0 });
    while (this.last.size > this.maxKeys) this.last.delete(this.last.keys().next().value as string);
    return { send: true, suppressed };
  }
}
