/**
 * The wire protocol's edges, over real HTTPS with the credentials of the written kubeconfig
 * (loaded by client-node): auth, discovery and OpenAPI content types, body limits, malformed
 * input, unsupported patch types, warnings, watch bookmarks, timeouts, 410s, and a slow watcher
 * being dropped instead of buffered.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let api: TestApiServer;
let ca: Buffer;

before(async () => {
  api = await startTestApiServer({
    maxBodyBytes: 64 * 1024,
    bookmarkIntervalMs: 200,
    maxWatchBacklogBytes: 256 * 1024,
    watchHistory: 50,
  });
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  ca = Buffer.from(kc.getCurrentCluster()!.caData!, 'base64');
});
after(async () => {
  await api?.close();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

function call(
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {},
): Promise<Reply> {
  const token = opts.token === undefined ? api.token : opts.token;
  const url = new URL(path, api.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...opts.headers,
        },
        timeout: 15_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

const NS = '/apis/ofelia.dev/v1alpha1/namespaces/default/scheduleddockerjobs';
const job = (name: string, spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}) =>
  JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name, annotations },
    spec: { schedule: '@hourly', run: { image: 'busybox' }, ...spec },
  });

function assertStatus(r: Reply, code: number, reason: string): Record<string, unknown> {
  assert.equal(r.status, code, r.text);
  const s = r.json();
  assert.equal(s.kind, 'Status');
  assert.equal(s.apiVersion, 'v1');
  assert.equal(s.status, 'Failure');
  assert.equal(s.code, code);
  assert.equal(s.reason, reason);
  return s;
}

test('every request needs the token, except the health probes', async () => {
  assertStatus(await call('GET', '/version', { token: null }), 401, 'Unauthorized');
  assertStatus(await call('GET', NS, { token: 'ofo_wrong' }), 401, 'Unauthorized');
  const livez = await call('GET', '/livez', { token: null });
  assert.equal(livez.status, 200);
  assert.equal((await call('GET', '/readyz', { token: null })).status, 200);
  const version = (await call('GET', '/version')).json();
  assert.equal(version.major, '1');
  assert.equal(version.minor, '32');
});

test('discovery lists the kinds, the status subresource and short names; v2 discovery falls back to v1 JSON', async () => {
  const r = await call('GET', '/apis/ofelia.dev/v1alpha1', {
    headers: {
      Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    },
  });
  assert.equal(r.headers['content-type'], 'application/json');
  const list = r.json() as {
    kind: string;
    resources: { name: string; shortNames?: string[]; categories?: string[]; verbs: string[] }[];
  };
  assert.equal(list.kind, 'APIResourceList');
  const sdj = list.resources.find((x) => x.name === 'scheduleddockerjobs')!;
  assert.deepEqual(sdj.shortNames, ['sdj']);
  assert.deepEqual(sdj.categories, ['all', 'ofelia']);
  assert.deepEqual(list.resources.find((x) => x.name === 'scheduleddockerjobs/status')!.verbs, [
    'get',
    'patch',
    'update',
  ]);
  const core = (await call('GET', '/api/v1')).json() as { resources: { name: string }[] };
  assert.deepEqual(core.resources.map((x) => x.name).sort(), [
    'configmaps',
    'events',
    'namespaces',
    'secrets',
  ]);
  const groups = (await call('GET', '/apis')).json() as {
    groups: { name: string; preferredVersion: { version: string } }[];
  };
  assert.deepEqual(groups.groups.map((g) => g.name).sort(), ['coordination.k8s.io', 'ofelia.dev']);
});

test('OpenAPI: v2 is a protobuf (or, asked for, JSON) document of definitions with their kinds; v3 indexes documents with a patch operation and fieldValidation', async () => {
  const v2 = await call('GET', '/openapi/v2');
  assert.equal(v2.status, 200);
  assert.equal(v2.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  assert.ok(v2.text.includes('x-kubernetes-group-version-kind'));
  assert.ok(v2.text.includes('dev.ofelia.v1alpha1.ScheduledDockerJob'));
  const v2json = (await call('GET', '/openapi/v2', { headers: { Accept: 'application/json' } })).json() as {
    swagger: string;
    definitions: Record<
      string,
      { 'x-kubernetes-group-version-kind'?: unknown; properties?: Record<string, unknown> }
    >;
  };
  assert.equal(v2json.swagger, '2.0');
  const sdj = v2json.definitions['dev.ofelia.v1alpha1.ScheduledDockerJob']!;
  assert.deepEqual(sdj['x-kubernetes-group-version-kind'], [
    { group: 'ofelia.dev', kind: 'ScheduledDockerJob', version: 'v1alpha1' },
  ]);
  assert.deepEqual(sdj.properties?.metadata, {
    $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    description: "Standard object's metadata.",
  });
  const index = (await call('GET', '/openapi/v3')).json() as {
    paths: Record<string, { serverRelativeURL: string }>;
  };
  const url = index.paths['apis/ofelia.dev/v1alpha1']!.serverRelativeURL;
  const doc = (await call('GET', url)).json() as {
    paths: Record<
      string,
      { patch?: { parameters: { name: string; in: string }[]; 'x-kubernetes-group-version-kind': unknown } }
    >;
    components: { schemas: Record<string, unknown> };
  };
  const patch =
    doc.paths['/apis/ofelia.dev/v1alpha1/namespaces/{namespace}/scheduleddockerjobs/{name}']!.patch!;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], {
    group: 'ofelia.dev',
    version: 'v1alpha1',
    kind: 'ScheduledDockerJob',
  });
  assert.ok(patch.parameters.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
  assert.ok(doc.components.schemas['dev.ofelia.v1alpha1.ScheduledDockerJob']);
});

test('bodies over the limit are 413, malformed ones 400, deep nesting 400, and the server stays up', async () => {
  assertStatus(
    await call('POST', NS, { body: job('big', {}, { blob: 'x'.repeat(70 * 1024) }) }),
    413,
    'RequestEntityTooLarge',
  );
  // Chunked (no Content-Length): counted while streaming.
  assertStatus(
    await call('POST', NS, {
      body: job('big2', {}, { blob: 'x'.repeat(70 * 1024) }),
      headers: { 'Transfer-Encoding': 'chunked' },
    }),
    413,
    'RequestEntityTooLarge',
  );
  assertStatus(await call('POST', NS, { body: '{"apiVersion": ' }), 400, 'BadRequest');
  assertStatus(await call('POST', NS, { body: '[1,2,3]' }), 400, 'BadRequest');
  assertStatus(await call('POST', NS, { body: `${'['.repeat(5000)}${']'.repeat(5000)}` }), 400, 'BadRequest');
  assertStatus(
    await call('POST', NS, { body: `{"spec":${'{"a":'.repeat(500)}1${'}'.repeat(500)}}` }),
    400,
    'BadRequest',
  );
  assertStatus(
    await call('POST', NS, { body: 'a: [', headers: { 'Content-Type': 'application/yaml' } }),
    400,
    'BadRequest',
  );
  assertStatus(
    await call('POST', NS, { body: job('wrongkind').replace('ScheduledDockerJob', 'Pod') }),
    400,
    'BadRequest',
  );
  assert.equal((await call('GET', '/version')).status, 200);
});

test('paths, methods and patch types a server does not serve', async () => {
  const nf = assertStatus(
    await call('GET', '/apis/ofelia.dev/v1alpha1/namespaces/default/pods'),
    404,
    'NotFound',
  );
  assert.match(String(nf.message), /could not find the requested resource/);
  assertStatus(await call('POST', `${NS}/x`, { body: job('x') }), 405, 'MethodNotAllowed');
  assertStatus(await call('PUT', NS, { body: job('x') }), 405, 'MethodNotAllowed');
  assertStatus(await call('POST', '/version', { body: '{}' }), 405, 'MethodNotAllowed');
  assert.equal((await call('POST', NS, { body: job('p1') })).status, 201);
  assertStatus(
    await call('PATCH', `${NS}/p1`, {
      body: '{}',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    }),
    415,
    'UnsupportedMediaType',
  );
  assertStatus(await call('GET', `${NS}/p1/scale`), 404, 'NotFound');
  const missing = assertStatus(await call('GET', `${NS}/nope`), 404, 'NotFound');
  assert.deepEqual(missing.details, { name: 'nope', group: 'ofelia.dev', kind: 'scheduleddockerjobs' });
  assertStatus(await call('GET', `${NS}?labelSelector=${encodeURIComponent('a in (')}`), 400, 'BadRequest');
  assertStatus(await call('POST', `${NS}?dryRun=Some`, { body: job('p2') }), 400, 'BadRequest');
});

test('deletecollection deletes what the label selector matches and answers the deleted objects', async () => {
  const labelled = (name: string, tier: string) =>
    JSON.stringify({
      apiVersion: 'ofelia.dev/v1alpha1',
      kind: 'ScheduledDockerJob',
      metadata: { name, labels: { tier } },
      spec: { schedule: '@hourly', run: { image: 'busybox' } },
    });
  for (const [n, t] of [
    ['dc1', 'tmp'],
    ['dc2', 'tmp'],
    ['dc3', 'keep'],
  ] as const)
    assert.equal((await call('POST', NS, { body: labelled(n, t) })).status, 201);
  const r = await call('DELETE', `${NS}?labelSelector=tier%3Dtmp`);
  assert.equal(r.status, 200, r.text);
  const deleted = r.json() as { kind: string; items: { metadata: { name: string } }[] };
  assert.equal(deleted.kind, 'ScheduledDockerJobList');
  assert.deepEqual(deleted.items.map((i) => i.metadata.name).sort(), ['dc1', 'dc2']);
  const left = (await call('GET', `${NS}?labelSelector=tier`)).json() as {
    items: { metadata: { name: string } }[];
  };
  assert.deepEqual(
    left.items.map((i) => i.metadata.name),
    ['dc3'],
  );
});

test('unknown fields: a Warning header by default, 400 with Strict, silence with Ignore', async () => {
  const warn = await call('POST', NS, { body: job('u1', { foo: 1 }) });
  assert.equal(warn.status, 201, warn.text);
  assert.equal(warn.headers.warning, '299 - "unknown field \\"spec.foo\\""');
  const strict = assertStatus(
    await call('POST', `${NS}?fieldValidation=Strict`, { body: job('u2', { foo: 1 }) }),
    400,
    'BadRequest',
  );
  assert.equal(strict.message, 'strict decoding error: unknown field "spec.foo"');
  const ignore = await call('POST', `${NS}?fieldValidation=Ignore`, { body: job('u3', { foo: 1 }) });
  assert.equal(ignore.status, 201);
  assert.equal(ignore.headers.warning, undefined);
});

/** Open a watch and collect its events until `done` says stop (or the server ends it). */
function watch(
  path: string,
  opts: { headers?: Record<string, string>; pause?: boolean } = {},
): Promise<{ status: number; events: { type: string; object: Record<string, unknown> }[]; raw: string }> & {
  started: Promise<{ resume(): void; abort(): void }>;
} {
  let onStart!: (c: { resume(): void; abort(): void }) => void;
  const started = new Promise<{ resume(): void; abort(): void }>((r) => {
    onStart = r;
  });
  const done = new Promise<{
    status: number;
    events: { type: string; object: Record<string, unknown> }[];
    raw: string;
  }>((resolve, reject) => {
    const req = request(
      new URL(path, api.url),
      { ca, headers: { Authorization: `Bearer ${api.token}`, ...opts.headers } },
      (res) => {
        let raw = '';
        if (opts.pause) res.pause();
        res.setEncoding('utf8').on('data', (d: string) => {
          raw += d;
        });
        const finish = () => {
          const events = raw
            .split('\n')
            .filter((l) => l.trim() && l.startsWith('{'))
            .map((l) => {
              try {
                return JSON.parse(l);
              } catch {
                return { type: 'UNPARSEABLE', object: {} };
              }
            });
          resolve({ status: res.statusCode ?? 0, events, raw });
        };
        res.on('end', finish);
        res.on('close', finish);
        onStart({ resume: () => res.resume(), abort: () => req.destroy() });
      },
    );
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });
  return Object.assign(done, { started });
}

test('watch: initial ADDED for resourceVersion=0, BOOKMARKs when allowed, timeoutSeconds ends the stream', async () => {
  assert.equal((await call('POST', NS, { body: job('w1') })).status, 201);
  const r = await watch(
    `${NS}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dw1&allowWatchBookmarks=true&timeoutSeconds=1`,
  );
  assert.equal(r.status, 200);
  assert.equal(r.events[0]!.type, 'ADDED');
  assert.equal((r.events[0]!.object.metadata as { name: string }).name, 'w1');
  const bookmark = r.events.find((e) => e.type === 'BOOKMARK');
  assert.ok(bookmark, r.raw);
  assert.equal(bookmark.object.kind, 'ScheduledDockerJob');
  assert.match(String((bookmark.object.metadata as { resourceVersion: string }).resourceVersion), /^\d+$/);
});

test('watch with the Table Accept header streams one-row Tables', async () => {
  const list = (await call('GET', NS)).json() as { metadata: { resourceVersion: string } };
  const w = watch(`${NS}?watch=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`, {
    headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
  });
  await w.started;
  assert.equal((await call('POST', NS, { body: job('t1') })).status, 201);
  const r = await w;
  const added = r.events.find((e) => e.type === 'ADDED')!;
  assert.equal(added.object.kind, 'Table');
  const rows = added.object.rows as { cells: unknown[]; object: { metadata: { name: string } } }[];
  assert.equal(rows[0]!.cells[0], 't1');
  assert.equal(rows[0]!.object.metadata.name, 't1');
});

test('a resourceVersion older than the history (50 changes here) is 410 Expired before streaming', async () => {
  for (let i = 0; i < 55; i++) assert.equal((await call('POST', NS, { body: job(`old-${i}`) })).status, 201);
  const r = await call('GET', `${NS}?watch=true&resourceVersion=1`);
  const s = assertStatus(r, 410, 'Expired');
  assert.match(String(s.message), /too old resource version/);
});

test('a watcher that stops reading is dropped with an in-stream 410 instead of being buffered', async () => {
  const list = (await call('GET', NS)).json() as { metadata: { resourceVersion: string } };
  const w = watch(`${NS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { pause: true });
  const ctl = await w.started;
  // ~12 MiB of events against a 256 KiB backlog bound (plus what the sockets buffer).
  const blob = 'x'.repeat(60 * 1024);
  for (let i = 0; i < 200; i++) {
    const r = await call('POST', NS, { body: job(`slow-${i}`, {}, { blob }) });
    assert.equal(r.status, 201, r.text);
  }
  ctl.resume();
  const r = await w;
  const last = r.events.at(-1)!;
  assert.equal(last.type, 'ERROR', `last event ${last.type} after ${r.events.length} events`);
  assert.equal((last.object as { code: number }).code, 410);
  assert.ok(r.events.length < 200, `the watcher was dropped early (${r.events.length} events)`);
});
