/**
 * In-process cost of the guard on every Docker call: breaker + bulkhead + duration histogram
 * around a no-op, against a bare await of the same no-op. Target: < 1 µs per call.
 *   node --expose-gc --import tsx bench/breaker-overhead.bench.ts
 */
import { Registry } from 'prom-client';
import { DaemonGuard } from '../src/docker/daemon-guard.ts';
import { silentLogger } from '../src/log/logger.ts';
import { DockerMetrics } from '../src/metrics/docker-metrics.ts';

const N = 1_000_000;
const ROUNDS = 5;
const options = { breakerThreshold: 10, halfOpenAfterMs: 30_000, bulkheadLimit: 200, bulkheadQueue: 1000 };
const withMetrics = new DaemonGuard('local', options, silentLogger(), new DockerMetrics(new Registry()));
const withoutMetrics = new DaemonGuard('local', options, silentLogger());
const noop = async (): Promise<number> => 1;

const cases: Record<string, () => Promise<unknown>> = {
  'bare await': () => noop(),
  'guard (breaker + bulkhead)': () => withoutMetrics.execute('ping', noop),
  'guard + metrics': () => withMetrics.execute('ping', noop),
};
const best: Record<string, number> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    global.gc?.();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await fn();
    const ns = Number(process.hrtime.bigint() - t0) / N;
    best[name] = Math.min(best[name] ?? Infinity, ns);
  }
}
const bare = best['bare await']!;
console.log(`${N.toLocaleString()} calls, best of ${ROUNDS} rounds\n`);
console.log('| case | ns per call | overhead vs bare await (ns) |');
console.log('|---|---:|---:|');
for (const [name, ns] of Object.entries(best))
  console.log(`| ${name} | ${ns.toFixed(0)} | ${(ns - bare).toFixed(0)} |`);
console.log(
  `\nguard + metrics overhead: ${((best['guard + metrics']! - bare) / 1000).toFixed(3)} µs per call (target < 1 µs)`,
);
