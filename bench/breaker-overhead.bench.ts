/**
 * In-process cost of the guard on every Docker call: cockatiel's breaker + bulkhead with the
 * guard's answer carrying and its duration histogram, around a no-op, against a bare await of the
 * same no-op, and against cockatiel's circuit breaker + bulkhead called bare (the floor the guard
 * builds on) measured in the same run. Target: < 1 µs per call.
 * The cases alternate round by round; the best round of each is reported (the floor, since the
 * machine is shared), with the median round next to it.
 *   node --expose-gc --import tsx bench/breaker-overhead.bench.ts
 */
import os from 'node:os';
import { BulkheadPolicy, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { Registry } from 'prom-client';
import { DaemonGuard } from '../src/docker/daemon-guard.ts';
import { isDaemonFault } from '../src/docker/errors.ts';
import { silentLogger } from '../src/log/logger.ts';
import { DockerMetrics } from '../src/metrics/docker-metrics.ts';

const N = 1_000_000;
const ROUNDS = 7;
const options = { breakerThreshold: 10, halfOpenAfterMs: 30_000, bulkheadLimit: 200, bulkheadQueue: 1000 };
const withMetrics = new DaemonGuard('local', options, silentLogger(), new DockerMetrics(new Registry()));
const withoutMetrics = new DaemonGuard('local', options, silentLogger());
const cockatielBreaker = circuitBreaker(handleWhen(isDaemonFault), {
  halfOpenAfter: options.halfOpenAfterMs,
  breaker: new ConsecutiveBreaker(options.breakerThreshold),
});
const cockatielBulkhead = new BulkheadPolicy(options.bulkheadLimit, options.bulkheadQueue);
const noop = async (): Promise<number> => 1;

const cases: Record<string, () => Promise<unknown>> = {
  'bare await': () => noop(),
  'guard (cockatiel breaker + bulkhead)': () => withoutMetrics.execute('ping', noop),
  'guard + metrics': () => withMetrics.execute('ping', noop),
  'cockatiel breaker + bulkhead, bare': () =>
    cockatielBreaker.execute(() => cockatielBulkhead.execute(() => noop())),
};
const rounds: Record<string, number[]> = {};
for (const name of Object.keys(cases)) rounds[name] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    global.gc?.();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await fn();
    rounds[name]!.push(Number(process.hrtime.bigint() - t0) / N);
  }
}
const best = (xs: number[]): number => Math.min(...xs);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bare = { best: best(rounds['bare await']!), median: median(rounds['bare await']!) };
console.log(
  `${N.toLocaleString()} calls per round, ${ROUNDS} rounds; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
console.log(
  '| case | best ns per call | overhead vs bare await (ns) | median ns per call | median overhead (ns) |',
);
console.log('|---|---:|---:|---:|---:|');
for (const [name, xs] of Object.entries(rounds)) {
  const b = best(xs);
  const m = median(xs);
  console.log(
    `| ${name} | ${b.toFixed(0)} | ${(b - bare.best).toFixed(0)} | ${m.toFixed(0)} | ${(m - bare.median).toFixed(0)} |`,
  );
}
const g = rounds['guard + metrics']!;
console.log(
  `\nguard + metrics overhead: ${((best(g) - bare.best) / 1000).toFixed(3)} µs per call best, ${((median(g) - bare.median) / 1000).toFixed(3)} µs median (target < 1 µs)`,
);
