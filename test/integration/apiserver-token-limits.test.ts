/**
 * Tokens and limits of the embedded API server over real HTTPS: a watch ends when the token that
 * opened it is revoked by another process (as `ofelia-operator token revoke` does), the number of
 * watches per token is bounded (429 with Retry-After), and query booleans are read like Go's
 * strconv.ParseBool (`watch=True` from the Python client streams events).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { TokenStore } from '../../src/apiserver/index.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { waitFor } from '../helpers/operator.ts';

const PER_TOKEN = 3;
let server: TestApiServer;
let ca: string;

before(async () => {
  server = await startTestApiServer({ maxWatchesPerToken: PER_TOKEN });
  const doc = parse(readFileSync(server.kubeconfig, 'utf8'));
  ca = Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
});
after(() => server.close());

function get(path: string, token: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { ca, headers: { Authorization: `Bearer ${token}` } },
      resolve,
    );
    req.setTimeout(20_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Reads a watch stream's lines as they come; `ended` resolves when the server ends it. */
function lines(res: IncomingMessage): { lines: string[]; ended: Promise<void> } {
  const out: string[] = [];
  let rest = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop()!;
    out.push(...parts.filter((l) => l !== ''));
  });
  return { lines: out, ended: new Promise((resolve) => res.on('close', () => resolve())) };
}

async function newToken(name: string): Promise<string> {
  const tokens = await TokenStore.open({ dir: server.dir });
  try {
    return (await tokens.create({ name, ttlSeconds: 0 })).token;
  } finally {
    tokens.close();
  }
}

/** A token created by another process is accepted once the server has re-read the file. */
async function accepted(token: string): Promise<void> {
  await waitFor('the server to accept the new token', async () => {
    const res = await get('/api/v1/namespaces', token);
    res.resume();
    return res.statusCode === 200;
  });
}

test('watch=True (Python client spelling) streams events; watch=yes is a 400 naming the parameter', async () => {
  const res = await get('/api/v1/namespaces?watch=True', server.token);
  assert.equal(res.statusCode, 200);
  const stream = lines(res);
  await waitFor('the initial ADDED events', async () => stream.lines.length >= 3);
  assert.equal(JSON.parse(stream.lines[0]!).type, 'ADDED');
  res.destroy();

  const bad = await get('/api/v1/namespaces?watch=yes', server.token);
  assert.equal(bad.statusCode, 400);
  const body = JSON.parse(await text(bad));
  assert.match(body.message, /^watch: Invalid value: "yes"/);
});

test('revoking a token ends the watches opened with it; other watches go on', async () => {
  const doomed = await newToken('doomed');
  await accepted(doomed);
  const watched = lines(await get('/api/v1/namespaces?watch=1&resourceVersion=0', doomed));
  const bystanderRes = await get('/api/v1/namespaces?watch=true&resourceVersion=0', server.token);
  const bystander = lines(bystanderRes);
  await waitFor('both watches to stream', async () => watched.lines.length > 0 && bystander.lines.length > 0);

  const tokens = await TokenStore.open({ dir: server.dir });
  try {
    await tokens.revoke('doomed');
  } finally {
    tokens.close();
  }
  await watched.ended;
  assert.equal((await get('/api/v1/namespaces', doomed)).statusCode, 401);
  assert.equal(bystanderRes.destroyed, false, 'a watch with another token is still open');
  bystanderRes.destroy();
});

test(`a token may hold ${PER_TOKEN} watches; one more is a 429 with Retry-After, and a slot frees when one ends`, async () => {
  const greedy = await newToken('greedy');
  await accepted(greedy);
  const open: IncomingMessage[] = [];
  for (let i = 0; i < PER_TOKEN; i++) {
    const res = await get('/api/v1/namespaces?watch=true', greedy);
    assert.equal(res.statusCode, 200);
    open.push(res);
  }
  const refused = await get('/api/v1/namespaces?watch=true', greedy);
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.headers['retry-after'], '1');
  assert.match(JSON.parse(await text(refused)).message, /too many watches are open with this token/);
  const other = await get('/api/v1/namespaces?watch=true', server.token);
  assert.equal(other.statusCode, 200, 'another token is not affected');
  other.destroy();

  open.pop()!.destroy();
  await waitFor('the slot to be freed', async () => {
    const res = await get('/api/v1/namespaces?watch=true', greedy);
    res.destroy();
    return res.statusCode === 200;
  });
  for (const res of open) res.destroy();
});

function text(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      s += c;
    });
    res.on('end', () => resolve(s));
  });
}
