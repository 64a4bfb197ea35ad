/**
 * Short Engine API calls (ping, image inspect), sequential, through
 *   - raw http.request on one keep-alive socket (the floor),
 *   - the pool (guard + metrics + engine transport on the control agent: its direct ping/inspect),
 *   - the pool through dockerode's API (the same guard and transport under EngineModem),
 *   - a fresh connection per call (`agent: false`: no keep-alive, `Connection: close`),
 *   - dockerode with its default agent (what the pool replaced),
 * first over the daemon's unix socket, then over TCP loopback through a small forwarder process
 * (TCP -> the daemon's unix socket; it adds a hop of its own to every client alike).
 *
 * Fair by construction: the clients are interleaved call by call (one call each per round, the
 * rounds cycling through every order of the clients), each is warmed up first, every call is timed on its own, and the
 * median and p90 per client are reported. Every client reads the whole answer and, for inspect,
 * parses the JSON (the raw baselines too: a caller needs the object). Connection reuse is checked,
 * not assumed: every response is seen through the `http.client.response.finish` diagnostics
 * channel and its `reusedSocket` is tallied, so the table shows how many connections each client
 * opened while measured (keep-alive: 0, connection per call: one per call).
 * Targets: pool within 15% of raw keep-alive; >= 2x faster than a connection per call.
 *   node --expose-gc --import tsx bench/docker-client.bench.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import os from 'node:os';
import Docker from 'dockerode';
import { Registry } from 'prom-client';
import { localDaemonConfig } from '../src/docker/config.ts';
import { DockerPool } from '../src/docker/pool.ts';
import { silentLogger } from '../src/log/logger.ts';
import { DockerMetrics } from '../src/metrics/docker-metrics.ts';

const SOCKET = '/var/run/docker.sock';
const IMAGE = process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test';
/** Measured calls per client and operation. */
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const WARMUP = 200;
/** Each of the four measured phases stops early after this long (a loaded machine), so the whole bench stays under 2 min. */
const PHASE_BUDGET_MS = 22_000;
const INSPECT_PATH = `/v1.41/images/${encodeURIComponent(IMAGE)}/json`;

type Op = 'ping' | 'inspect';
type Target = { socketPath: string } | { host: string; port: number };
interface Client {
  name: string;
  call: Record<Op, () => Promise<unknown>>;
  close(): void;
}

// Every finished response is attributed to the client being timed: calls, and connections opened.
let current: { calls: number; fresh: number } | undefined;
diagnostics.subscribe('http.client.response.finish', (message) => {
  const { request } = message as { request: http.ClientRequest };
  if (!current) return;
  current.calls++;
  if (!request.reusedSocket) current.fresh++;
});

function rawCall(target: Target, path: string, agent: http.Agent | false, parse: boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        const text =
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        resolve(parse ? JSON.parse(text) : text);
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

function clientsFor(target: Target, dockerHost: string): Client[] {
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const pool = new DockerPool(
    [localDaemonConfig(dockerHost)],
    {},
    { log: silentLogger(), metrics: new DockerMetrics(new Registry()) },
  );
  const daemon = pool.get();
  const dockerode = new Docker('socketPath' in target ? target : { host: target.host, port: target.port });
  return [
    {
      name: 'raw keep-alive',
      call: {
        ping: () => rawCall(target, '/v1.41/_ping', keepAlive, false),
        inspect: () => rawCall(target, INSPECT_PATH, keepAlive, true),
      },
      close: () => keepAlive.destroy(),
    },
    {
      name: 'pool',
      call: { ping: () => daemon.ping(), inspect: () => daemon.inspectImage(IMAGE) },
      close: () => pool.close(),
    },
    {
      // The same pool, guard and transport, with dockerode's API on top (EngineModem): what
      // every other runner call goes through; the gap to `pool` is why ping and image inspect
      // stay direct on the transport.
      name: 'pool via dockerode',
      call: {
        ping: () => daemon.call('ping', () => daemon.docker.ping()),
        inspect: () => daemon.call('image.inspect', () => daemon.docker.getImage(IMAGE).inspect()),
      },
      close: () => {},
    },
    {
      name: 'connection per call',
      call: {
        ping: () => rawCall(target, '/v1.41/_ping', false, false),
        inspect: () => rawCall(target, INSPECT_PATH, false, true),
      },
      close: () => {},
    },
    {
      name: 'dockerode (default agent)',
      call: { ping: () => dockerode.ping(), inspect: () => dockerode.getImage(IMAGE).inspect() },
      close: () => {},
    },
  ];
}

interface Stats {
  median: number;
  p90: number;
  calls: number;
  fresh: number;
}

/**
 * Every order of the clients, cycled round by round: each client then follows every other one
 * equally often. (A plain rotation would leave each client behind the same neighbour in most
 * rounds, e.g. raw keep-alive always after dockerode's garbage, and bias the comparison.)
 */
function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let at = 0; at <= rest.length; at++) out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return out;
}

async function measure(clients: Client[], op: Op): Promise<Map<string, Stats>> {
  for (let i = 0; i < WARMUP; i++) for (const c of clients) await c.call[op]();
  global.gc?.();
  const samples = clients.map(() => new Float64Array(CALLS));
  const tallies = clients.map(() => ({ calls: 0, fresh: 0 }));
  const orders = permutations(clients.length);
  const phaseStart = performance.now();
  let rounds = 0;
  for (let round = 0; round < CALLS; round++) {
    if (performance.now() - phaseStart > PHASE_BUDGET_MS) break;
    rounds++;
    for (const i of orders[round % orders.length]!) {
      current = tallies[i];
      const t0 = performance.now();
      await clients[i]!.call[op]();
      samples[i]![round] = (performance.now() - t0) * 1000;
      current = undefined;
    }
  }
  const out = new Map<string, Stats>();
  clients.forEach((c, i) => {
    const s = samples[i]!.subarray(0, rounds).sort();
    out.set(c.name, {
      median: s[Math.floor(s.length / 2)]!,
      p90: s[Math.floor(s.length * 0.9)]!,
      ...tallies[i]!,
    });
  });
  return out;
}

async function run(title: string, target: Target, dockerHost: string): Promise<void> {
  const clients = clientsFor(target, dockerHost);
  const results = { ping: await measure(clients, 'ping'), inspect: await measure(clients, 'inspect') };
  for (const c of clients) c.close();

  console.log(`\n### ${title}\n`);
  console.log(
    '| client | ping median µs | p90 | ratio | inspect median µs | p90 | ratio | connections opened / calls |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const base = { ping: results.ping.get('raw keep-alive')!, inspect: results.inspect.get('raw keep-alive')! };
  for (const c of clients) {
    const p = results.ping.get(c.name)!;
    const i = results.inspect.get(c.name)!;
    const opened = `${p.fresh + i.fresh} / ${p.calls + i.calls}`;
    console.log(
      `| ${c.name} | ${p.median.toFixed(0)} | ${p.p90.toFixed(0)} | ${(p.median / base.ping.median).toFixed(2)} | ${i.median.toFixed(0)} | ${i.p90.toFixed(0)} | ${(i.median / base.inspect.median).toFixed(2)} | ${opened} |`,
    );
  }
  const pool = { ping: results.ping.get('pool')!, inspect: results.inspect.get('pool')! };
  const fresh = {
    ping: results.ping.get('connection per call')!,
    inspect: results.inspect.get('connection per call')!,
  };
  const pct = (a: Stats, b: Stats) =>
    `${a.median >= b.median ? '+' : ''}${((a.median / b.median - 1) * 100).toFixed(1)}%`;
  const viaDockerode = {
    ping: results.ping.get('pool via dockerode')!,
    inspect: results.inspect.get('pool via dockerode')!,
  };
  console.log(
    `\npool vs raw keep-alive: ping ${pct(pool.ping, base.ping)}, inspect ${pct(pool.inspect, base.inspect)} (target < +15%)`,
  );
  console.log(
    `pool via dockerode vs raw keep-alive: ping ${pct(viaDockerode.ping, base.ping)}, inspect ${pct(viaDockerode.inspect, base.inspect)}`,
  );
  console.log(
    `connection per call vs pool: ping ${(fresh.ping.median / pool.ping.median).toFixed(2)}x, inspect ${(fresh.inspect.median / pool.inspect.median).toFixed(2)}x slower (target >= 2x); a new connection costs ${(fresh.ping.median - base.ping.median).toFixed(0)} µs here`,
  );
  // Reuse is a precondition of the comparison, not a result: say so loudly if it did not hold.
  for (const name of ['raw keep-alive', 'pool', 'pool via dockerode']) {
    const opened = results.ping.get(name)!.fresh + results.inspect.get(name)!.fresh;
    if (opened > 0) console.log(`WARNING: ${name} opened ${opened} connections while measured`);
  }
  const f = fresh.ping.fresh + fresh.inspect.fresh;
  if (f !== fresh.ping.calls + fresh.inspect.calls)
    console.log(`WARNING: connection per call reused sockets`);
}

/** A TCP loopback port forwarded to the daemon's unix socket, by a separate process. */
async function startForwarder(): Promise<{ port: number; child: ChildProcess }> {
  const code = `
    const net = require('node:net');
    const srv = net.createServer((down) => {
      const up = net.connect(${JSON.stringify(SOCKET)});
      down.setNoDelay(true);
      down.pipe(up).pipe(down);
      down.on('error', () => up.destroy());
      up.on('error', () => down.destroy());
    });
    srv.listen(0, '127.0.0.1', () => process.stdout.write(String(srv.address().port) + '\\n'));
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', () => reject(new Error('forwarder exited')));
    setTimeout(() => reject(new Error('forwarder did not start in 5 s')), 5000).unref();
  });
  return { port, child };
}

const started = performance.now();
console.log(
  `${CALLS} measured calls per client and operation after ${WARMUP} warm-up calls, interleaved call by call in every order; µs per call, ratio of medians vs raw keep-alive. Load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
await run('unix socket (/var/run/docker.sock)', { socketPath: SOCKET }, `unix://${SOCKET}`);
const fwd = await startForwarder();
try {
  await run(
    'TCP loopback (through a forwarder process to the unix socket)',
    { host: '127.0.0.1', port: fwd.port },
    `tcp://127.0.0.1:${fwd.port}`,
  );
} finally {
  fwd.child.stdin!.end();
  fwd.child.kill();
}
console.log(
  `\nload average at end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; took ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
