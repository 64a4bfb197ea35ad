/**
 * Short Engine API calls: 1,000 pings and 1,000 image inspects, sequential, through
 *   - the pool (guard + metrics + engine client on the control agent),
 *   - raw http.request on one keep-alive socket (the floor),
 *   - a fresh connection per call (no keep-alive),
 *   - dockerode with its default agent (what the pool replaced),
 * interleaved in batches of 50 calls; the median batch of each is reported. Every client reads
 * the whole answer; only the pool and dockerode also parse it (JSON), as any real caller must.
 * Targets: pool within 15% of raw keep-alive, >= 2x faster than a connection per call.
 *   node --expose-gc --import tsx bench/docker-client.bench.ts
 */
import http from 'node:http';
import Docker from 'dockerode';
import { Registry } from 'prom-client';
import { localDaemonConfig } from '../src/docker/config.ts';
import { DockerPool } from '../src/docker/pool.ts';
import { silentLogger } from '../src/log/logger.ts';
import { DockerMetrics } from '../src/metrics/docker-metrics.ts';

const SOCKET = '/var/run/docker.sock';
const IMAGE = process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test';
const N = 1000;
const ROUNDS = 2;

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
function raw(path: string, agent: http.Agent | false): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: SOCKET, path, agent }, (res) => {
      res.resume();
      res.once('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

const pool = new DockerPool(
  [localDaemonConfig()],
  {},
  { log: silentLogger(), metrics: new DockerMetrics(new Registry()) },
);
const daemon = pool.get();
const dockerode = new Docker({ socketPath: SOCKET });
const inspectPath = `/v1.41/images/${encodeURIComponent(IMAGE)}/json`;

type Op = 'ping' | 'inspect';
const clients: Record<string, Record<Op, () => Promise<unknown>>> = {
  'raw keep-alive': {
    ping: () => raw('/v1.41/_ping', keepAlive),
    inspect: () => raw(inspectPath, keepAlive),
  },
  pool: { ping: () => daemon.ping(), inspect: () => daemon.inspectImage(IMAGE) },
  'connection per call': { ping: () => raw('/v1.41/_ping', false), inspect: () => raw(inspectPath, false) },
  'dockerode (default agent)': {
    ping: () => dockerode.ping(),
    inspect: () => dockerode.getImage(IMAGE).inspect(),
  },
};

// Interleaved in batches (every client runs BATCH calls in turn, BATCHES times), so that drift in
// the machine's load hits all clients alike; the median batch is reported.
const BATCH = 50;
const BATCHES = N / BATCH;
const samples: Record<string, Record<Op, number[]>> = {};
for (const name of Object.keys(clients)) samples[name] = { ping: [], inspect: [] };
for (const c of Object.values(clients)) for (let i = 0; i < 50; i++) await c.ping();
for (let round = 0; round < ROUNDS; round++) {
  for (const op of ['ping', 'inspect'] as const) {
    for (let batch = 0; batch < BATCHES; batch++) {
      // Rotate who goes first, so no client always follows the same neighbour.
      const entries = Object.entries(clients);
      const order = entries.slice(batch % entries.length).concat(entries.slice(0, batch % entries.length));
      for (const [name, c] of order) {
        const t0 = performance.now();
        for (let i = 0; i < BATCH; i++) await c[op]();
        samples[name]![op].push(((performance.now() - t0) * 1000) / BATCH);
      }
    }
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const best: Record<string, Record<Op, number>> = {};
for (const [name, s] of Object.entries(samples))
  best[name] = { ping: median(s.ping), inspect: median(s.inspect) };

const base = best['raw keep-alive']!;
console.log(
  `${N * ROUNDS} calls per client and op: median of ${BATCHES * ROUNDS} interleaved batches of ${BATCH} (µs per call; ratio vs raw keep-alive)\n`,
);
console.log('| client | ping µs | ratio | inspect µs | ratio |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, b] of Object.entries(best)) {
  console.log(
    `| ${name} | ${b.ping.toFixed(0)} | ${(b.ping / base.ping).toFixed(2)} | ${b.inspect.toFixed(0)} | ${(b.inspect / base.inspect).toFixed(2)} |`,
  );
}
const p = best.pool!;
const fresh = best['connection per call']!;
console.log(
  `\npool vs raw keep-alive: ping +${((p.ping / base.ping - 1) * 100).toFixed(1)}%, inspect +${((p.inspect / base.inspect - 1) * 100).toFixed(1)}% (target < 15%)`,
);
console.log(
  `connection per call vs pool: ping ${(fresh.ping / p.ping).toFixed(2)}x, inspect ${(fresh.inspect / p.inspect).toFixed(2)}x slower (target >= 2x)`,
);
pool.close();
keepAlive.destroy();
