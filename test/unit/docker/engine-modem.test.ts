/**
 * EngineModem keeps docker-modem's `dial` contract: what dockerode passes in becomes the request
 * the transport sends, and the transport's answer becomes what dockerode expects back. The
 * transport here is a recording double (the modem's mapping is the unit under test); the real
 * transport under dockerode is covered by the integration tests against the daemon.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type DockerModem from 'docker-modem';
import { createAgents } from '../../../src/docker/agents.ts';
import { EngineModem, operationOf } from '../../../src/docker/engine-modem.ts';
import type {
  Answer,
  Callback,
  EngineTransport,
  TransportRequest,
} from '../../../src/docker/engine-transport.ts';
import { DockerApiError } from '../../../src/docker/errors.ts';

const ops: [string, string, string][] = [
  ['GET', '/_ping', 'ping'],
  ['GET', '/version', 'version'],
  ['POST', '/containers/create?name=x', 'container.create'],
  ['GET', '/containers/json?all=true', 'container.list'],
  ['POST', '/containers/abc/start', 'container.start'],
  ['GET', '/containers/abc/json', 'container.inspect'],
  ['POST', '/containers/abc/wait?condition=not-running', 'container.wait'],
  ['GET', '/containers/abc/logs?follow=true', 'container.logs'],
  ['POST', '/containers/abc/kill?signal=SIGKILL', 'container.kill'],
  ['DELETE', '/containers/abc?force=true', 'container.remove'],
  ['POST', '/containers/abc/exec', 'exec.create'],
  ['POST', '/exec/e1/start', 'exec.start'],
  ['GET', '/exec/e1/json', 'exec.inspect'],
  ['POST', '/images/create?fromImage=a&tag=b', 'image.pull'],
  ['GET', '/images/127.0.0.1:5000/team/app:1.0/json', 'image.inspect'],
  ['POST', '/containers/abc/attach?stream=true', 'container.attach'],
  ['GET', '/volumes/team_data', 'volume.inspect'],
  ['GET', '/volumes', 'other'],
  ['POST', '/volumes/create', 'other'],
];
for (const [method, path, op] of ops) {
  test(`operationOf: ${method} ${path} -> ${op}`, () => assert.equal(operationOf(method, path), op));
}

function modem(answer: Answer) {
  const sent: { request: TransportRequest; boundBody?: boolean }[] = [];
  const transport = {
    daemon: 'd',
    fetch(request: TransportRequest, boundBody: boolean, done: Callback<Answer>) {
      sent.push({ request, boundBody });
      done(null, answer);
    },
    open() {
      throw new Error('not a stream');
    },
  } as unknown as EngineTransport;
  const agents = createAgents(
    { kind: 'unix', socketPath: '/nonexistent.sock' },
    { controlSockets: 1, streamSockets: 1 },
  );
  return { m: new EngineModem(transport, { kind: 'unix', socketPath: '/nonexistent.sock' }, agents), sent };
}

function dial(m: EngineModem, options: DockerModem.DialOptions): Promise<unknown> {
  return new Promise((resolve, reject) =>
    m.dial(options, (err, value) => (err ? reject(err) : resolve(value))),
  );
}

const json = (v: unknown): Answer => ({ status: 200, body: Buffer.from(JSON.stringify(v)), json: true });

test('EngineModem: a trailing ? takes the options as the query; the POST body is the options; the signal goes into neither', async () => {
  const { m, sent } = modem(json({ StatusCode: 0 }));
  const signal = new AbortController().signal;
  const out = await dial(m, {
    path: '/containers/abc/wait?',
    method: 'POST',
    abortSignal: signal,
    statusCodes: { 200: true },
    options: { condition: 'not-running', abortSignal: signal },
  });
  assert.deepEqual(out, { StatusCode: 0 });
  const { request, boundBody } = sent[0]!;
  assert.equal(request.path, '/containers/abc/wait?condition=not-running');
  assert.equal(request.body, '{"condition":"not-running"}');
  assert.equal(request.signal, signal);
  assert.equal(request.pool, 'stream', 'a wait holds its socket for the container’s life');
  assert.equal(boundBody, false);
});

test('EngineModem: _query and _body split; nested query objects become JSON; no options drops the ?', async () => {
  const { m, sent } = modem({ status: 200, body: Buffer.from('{"Id":"c1"}'), json: true });
  await dial(m, {
    path: '/containers/create?',
    method: 'POST',
    statusCodes: { 200: true, 201: true },
    options: { _query: { name: 'n1' }, _body: { Image: 'img', Env: ['SECRET=x'] } },
  });
  assert.equal(sent[0]!.request.path, '/containers/create?name=n1');
  assert.equal(sent[0]!.request.body, '{"Image":"img","Env":["SECRET=x"]}');
  assert.equal(
    sent[0]!.request.pool,
    'stream',
    'a create may hold its socket for seconds: not on the control pool',
  );
  assert.equal(sent[0]!.boundBody, true, 'yet its answer is short and bounded');
  await dial(m, {
    path: '/containers/json?',
    method: 'GET',
    statusCodes: { 200: true },
    options: { all: true, filters: { label: ['a=b'] } },
  });
  assert.equal(
    sent[1]!.request.path,
    `/containers/json?all=true&filters=${encodeURIComponent('{"label":["a=b"]}')}`,
  );
  assert.equal(sent[1]!.request.pool, 'control');
  await dial(m, { path: '/containers/abc/json?', method: 'GET', statusCodes: { 200: true }, options: {} });
  assert.equal(sent[2]!.request.path, '/containers/abc/json');
  assert.equal(sent[2]!.request.pool, 'control', 'an inspect stays on the control pool');
});

test('EngineModem: authconfig becomes X-Registry-Auth (URL-safe, padded), never part of the query', async () => {
  const { m, sent } = modem(json({}));
  const auth = { username: 'u', password: 'p?>', serveraddress: 'r:5000' };
  await dial(m, {
    path: '/images/create?',
    method: 'POST',
    statusCodes: { 200: true },
    authconfig: auth,
    options: { fromImage: 'r:5000/a', tag: '1', authconfig: auth },
  });
  const header = String(sent[0]!.request.headers?.['X-Registry-Auth']);
  assert.equal(header.length % 4, 0);
  assert.doesNotMatch(header, /[+/]/);
  assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')), auth);
  assert.doesNotMatch(sent[0]!.request.path, /password|authconfig/);
});

test('EngineModem: a status not in statusCodes is a DockerApiError with statusCode, json and the daemon message', async () => {
  const { m } = modem({
    status: 409,
    body: Buffer.from('{"message":"Conflict. The name is in use"}'),
    json: true,
  });
  await assert.rejects(
    dial(m, {
      path: '/containers/create?',
      method: 'POST',
      statusCodes: { 201: true, 404: 'no such container' },
      options: {},
    }),
    (e: unknown) =>
      e instanceof DockerApiError &&
      e.statusCode === 409 &&
      e.reason === 'Conflict' &&
      e.message === 'Conflict. The name is in use' &&
      (e.json as { message: string }).message === 'Conflict. The name is in use',
  );
});

test('EngineModem: a non-JSON answer is handed back as bytes (docker-modem’s contract)', async () => {
  const { m } = modem({ status: 200, body: Buffer.from('OK'), json: false });
  const out = await dial(m, { path: '/_ping', method: 'GET', statusCodes: { 200: true } });
  assert.ok(Buffer.isBuffer(out));
  assert.equal(out.toString(), 'OK');
});
