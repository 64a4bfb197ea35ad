/**
 * YAML request bodies: the cost of duplicate-key detection, against JSON as the baseline.
 *
 *   node --expose-gc --import tsx bench/yaml-body.bench.ts      (or: npm run bench -- yaml)
 *
 * A ConfigMap whose `data` map has K keys (~341 KiB for K = 12,000, the body of issue 9) is created
 * over HTTPS, as JSON (baseline) and as YAML (the server's linear duplicate-key check); beside it,
 * the same YAML parsed in process by the yaml library with `uniqueKeys: true` (what the server did
 * before: quadratic in the keys of one map). Each figure is the median of 3; during each YAML
 * request a /livez probe runs, and its latency shows how long the event loop was held.
 * Bounded: 3 sizes x 3 rounds; well under a minute here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  loadOrCreateServingCert,
  startApiServer,
  TokenStore,
  WalObjectStore,
} from '../src/apiserver/index.ts';
import { silentLogger } from '../src/log/logger.ts';

const SIZES = [3_000, 6_000, 12_000];
const ROUNDS = 3;
const root = mkdtempSync(join(tmpdir(), 'ofelia-yaml-bench-'));
const tokens = await TokenStore.open({ dir: join(root, 'auth') });
const { token } = await tokens.create({ name: 'bench', ttlSeconds: 0 });
const tls = await loadOrCreateServingCert(join(root, 'tls'));
const server = await startApiServer({
  store: new WalObjectStore({ dir: join(root, 'store') }),
  authenticator: tokens,
  listen: { port: 0 },
  tls,
  logger: silentLogger(),
});
const agent = new Agent({ keepAlive: true, ca: Buffer.from(tls.caData, 'base64').toString('utf8') });

function call(method: string, path: string, body?: string, type = 'application/json'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server.url),
      {
        method,
        agent,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': type },
        timeout: 120_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
let n = 0;
const CM = '/api/v1/namespaces/default/configmaps';

console.log(`ConfigMap data of K keys, median of ${ROUNDS}; Node ${process.version}\n`);
console.log(
  '| keys | body (YAML) | JSON create (baseline) | YAML create (linear check) | vs JSON | /livez during YAML create | yaml uniqueKeys parse (before) | vs linear create |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const keys of SIZES) {
  const data: Record<string, string> = {};
  for (let i = 0; i < keys; i++) data[`key-${String(i).padStart(6, '0')}`] = `value-${i}`;
  const json: number[] = [];
  const yaml: number[] = [];
  const livez: number[] = [];
  const old: number[] = [];
  let yamlBytes = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const obj = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
    json.push(
      await timed(async () => {
        if ((await call('POST', CM, JSON.stringify(obj(`j${n++}`)))) !== 201)
          throw new Error('JSON create failed');
      }),
    );
    const text = stringify(obj(`y${n++}`));
    yamlBytes = Buffer.byteLength(text);
    const creating = timed(async () => {
      if ((await call('POST', CM, text, 'application/yaml')) !== 201) throw new Error('YAML create failed');
    });
    livez.push(await timed(() => call('GET', '/livez')));
    yaml.push(await creating);
    old.push(await timed(() => parse(text, { uniqueKeys: true })));
  }
  const y = median(yaml);
  console.log(
    `| ${keys} | ${(yamlBytes / 1024).toFixed(0)} KiB | ${ms(median(json))} | ${ms(y)} | ${(y / median(json)).toFixed(2)}x | ${ms(median(livez))} | ${ms(median(old))} | ${(median(old) / y).toFixed(1)}x |`,
  );
}
await server.close();
tokens.close();
rmSync(root, { recursive: true, force: true });
