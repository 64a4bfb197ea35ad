/**
 * Aggregated discovery (apidiscovery.k8s.io/v2) with the real kubectl 1.32: it asks /api and /apis
 * for APIGroupDiscoveryList, takes the answer, and so never fetches a per-group-version resource
 * list; short names, categories (`get all`) and the status subresource come from it. Plus the
 * negotiation over raw HTTPS: v2beta1 for clients that ask only for it, the legacy shapes otherwise.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

let api: TestApiServer;
let ca: Buffer;

async function ok(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string }> {
  const r = await api.kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}`);
  return r;
}

/** A cache dir no kubectl has used, so the next run discovers from the server. */
async function coldCache(): Promise<string> {
  return mkdtemp(join(api.dir, 'kubectl-cache-'));
}

const job = (name: string) => `apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata:
  name: ${name}
  namespace: default
spec:
  schedule: "@hourly"
  run:
    image: local/busybox:test
`;

before(async () => {
  api = await startTestApiServer();
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  ca = Buffer.from(kc.getCurrentCluster()!.caData!, 'base64');
  await ok(['apply', '-f', '-'], job('nightly'));
});
after(async () => {
  await api?.close();
});

/** The fields of the discovery documents these tests read. */
interface DiscoveryBody {
  kind: string;
  apiVersion?: string;
  items?: { metadata: { name: string } }[];
}

function get(
  path: string,
  accept: string,
): Promise<{ contentType: string | undefined; body: DiscoveryBody }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, api.url),
      { ca, headers: { Authorization: `Bearer ${api.token}`, Accept: accept }, timeout: 15_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          try {
            assert.equal(res.statusCode, 200, text);
            resolve({ contentType: res.headers['content-type'], body: JSON.parse(text) });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** kubectl's column cells per row, cut at the header's column starts. */
function rows(out: string): Record<string, string>[] {
  const lines = out.replace(/\n+$/, '').split('\n');
  const header = lines[0]!;
  const starts = [...header.matchAll(/(?:^|(?<=\s{2}))\S/g)].map((m) => m.index!);
  const names = starts.map((s, i) => header.slice(s, starts[i + 1] ?? header.length).trim());
  return lines
    .slice(1)
    .map((l) =>
      Object.fromEntries(names.map((n, i) => [n, l.slice(starts[i]!, starts[i + 1] ?? l.length).trim()])),
    );
}

test('kubectl api-resources lists ScheduledDockerJobs with short name and categories', async () => {
  const { stdout } = await ok(['api-resources', '-o', 'wide', '--cache-dir', await coldCache()]);
  const byName = new Map(rows(stdout).map((r) => [r.NAME, r]));
  const sdj = byName.get('scheduleddockerjobs');
  assert.ok(sdj, stdout);
  assert.equal(sdj.SHORTNAMES, 'sdj');
  assert.equal(sdj.APIVERSION, 'ofelia.dev/v1alpha1');
  assert.equal(sdj.NAMESPACED, 'true');
  assert.equal(sdj.KIND, 'ScheduledDockerJob');
  assert.equal(sdj.CATEGORIES, 'all,ofelia');
  assert.equal(sdj.VERBS, 'create,delete,deletecollection,get,list,patch,update,watch');
  assert.equal(byName.get('namespaces')?.NAMESPACED, 'false');
  assert.equal(byName.get('leases')?.APIVERSION, 'coordination.k8s.io/v1');

  const ofelia = await ok(['api-resources', '--categories=ofelia', '--no-headers']);
  assert.deepEqual(
    ofelia.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[0]),
    ['jobnotifiers', 'scheduleddockerjobs'],
  );
  const jn = byName.get('jobnotifiers');
  assert.equal(jn?.SHORTNAMES, 'jn');
  assert.equal(jn?.CATEGORIES, 'ofelia');
});

test('kubectl --v=8 get sdj takes the aggregated v2 answers and fetches no per-group-version list', async () => {
  const r = await ok(['--v=8', 'get', 'sdj', '--cache-dir', await coldCache()]);
  assert.match(r.stdout, /^nightly\s/m);
  const lines = r.stderr.split('\n');
  const requested = (path: RegExp) =>
    lines.filter((l) => new RegExp(`GET https://[^/]+${path.source}`).test(l));
  // It asked /api and /apis for v2 first (v2beta1 and plain JSON as fallbacks)...
  for (const path of [/\/api\?/, /\/apis\?/]) {
    const at = lines.findIndex((l) => new RegExp(`GET https://[^/]+${path.source}`).test(l));
    assert.ok(at >= 0, `no request for ${path}:\n${r.stderr}`);
    const accept = lines.slice(at + 1).find((l) => /\]\s+Accept: /.test(l));
    assert.ok(accept?.includes(`Accept: ${V2},${V2BETA1},application/json`), accept);
  }
  // ...both answers came back as v2 and were decoded as APIGroupDiscoveryLists...
  assert.equal(lines.filter((l) => l.trim().endsWith(`Content-Type: ${V2}`)).length, 2, r.stderr);
  assert.equal(lines.filter((l) => l.includes('\\"kind\\":\\"APIGroupDiscoveryList\\"')).length, 2);
  assert.equal(lines.filter((l) => /Content-Type: application\/json$/.test(l.trim())).length, 1); // the Table
  // ...so kubectl needed no legacy per-group-version discovery before listing.
  assert.deepEqual(requested(/\/api\/v1\?/), []);
  assert.deepEqual(requested(/\/apis\/ofelia\.dev\/v1alpha1\?/), []);
  assert.deepEqual(requested(/\/apis\/coordination\.k8s\.io\/v1\?/), []);
  assert.equal(
    requested(/\/apis\/ofelia\.dev\/v1alpha1\/namespaces\/default\/scheduleddockerjobs\?/).length,
    1,
  );
});

test('kubectl get all and get ofelia include ScheduledDockerJobs (category `all` from discovery)', async () => {
  await ok(['apply', '-f', '-'], job('hourly'));
  const cache = await coldCache();
  // Only one kind is in `all` here, so kubectl prints its table without the kind prefix...
  const all = await ok(['get', 'all', '--cache-dir', cache]);
  assert.deepEqual(
    rows(all.stdout).map((r) => [r.NAME, r.SCHEDULE]),
    [
      ['hourly', '@hourly'],
      ['nightly', '@hourly'],
    ],
  );
  // ...and with it in -o name.
  const allNames = await ok(['get', 'all', '-o', 'name', '--cache-dir', cache]);
  assert.deepEqual(allNames.stdout.trim().split('\n').sort(), [
    'scheduleddockerjob.ofelia.dev/hourly',
    'scheduleddockerjob.ofelia.dev/nightly',
  ]);
  const category = await ok(['get', 'ofelia', '-o', 'name']);
  assert.deepEqual(category.stdout.trim().split('\n').sort(), [
    'scheduleddockerjob.ofelia.dev/hourly',
    'scheduleddockerjob.ofelia.dev/nightly',
  ]);
});

test('negotiation over HTTPS: v2beta1 when only it is asked for, the legacy shapes for plain JSON', async () => {
  const beta = await get('/apis', `${V2BETA1},application/json`);
  assert.equal(beta.contentType, V2BETA1);
  assert.equal(beta.body.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  assert.deepEqual(
    beta.body.items?.map((g) => g.metadata.name),
    ['ofelia.dev', 'coordination.k8s.io'],
  );
  const core = await get('/api', V2);
  assert.equal(core.contentType, V2);
  assert.equal(core.body.kind, 'APIGroupDiscoveryList');
  assert.deepEqual(
    core.body.items?.map((g) => g.metadata.name),
    [''],
  );

  const legacyApi = await get('/api', 'application/json, */*');
  assert.equal(legacyApi.contentType, 'application/json');
  assert.equal(legacyApi.body.kind, 'APIVersions');
  const legacyApis = await get('/apis', 'application/json');
  assert.equal(legacyApis.contentType, 'application/json');
  assert.equal(legacyApis.body.kind, 'APIGroupList');
  // Group-version documents are always the legacy APIResourceList.
  const gv = await get('/apis/ofelia.dev/v1alpha1', `${V2},application/json`);
  assert.equal(gv.contentType, 'application/json');
  assert.equal(gv.body.kind, 'APIResourceList');
});
