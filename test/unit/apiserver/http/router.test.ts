import assert from 'node:assert/strict';
import { test } from 'node:test';
import { route } from '../../../../src/apiserver/http/router.ts';
import { defaultKinds } from '../../../../src/apiserver/kinds/served-kinds.ts';

const registry = defaultKinds();

const cases: { path: string; want: Record<string, unknown> }[] = [
  { path: '/version', want: { type: 'version' } },
  { path: '/livez', want: { type: 'livez' } },
  { path: '/api', want: { type: 'api' } },
  { path: '/apis', want: { type: 'apis' } },
  { path: '/apis/ofelia.dev', want: { type: 'apiGroup', group: 'ofelia.dev' } },
  { path: '/api/v1', want: { type: 'resourceList', group: '', version: 'v1' } },
  {
    path: '/apis/ofelia.dev/v1alpha1',
    want: { type: 'resourceList', group: 'ofelia.dev', version: 'v1alpha1' },
  },
  { path: '/openapi/v2', want: { type: 'openapiV2' } },
  { path: '/openapi/v3', want: { type: 'openapiV3' } },
  {
    path: '/openapi/v3/apis/ofelia.dev/v1alpha1',
    want: { type: 'openapiV3Doc', group: 'ofelia.dev', version: 'v1alpha1' },
  },
  { path: '/openapi/v3/api/v1', want: { type: 'openapiV3Doc', group: '', version: 'v1' } },
  {
    path: '/apis/ofelia.dev/v1alpha1/scheduleddockerjobs',
    want: { type: 'resource', plural: 'scheduleddockerjobs' },
  },
  {
    path: '/apis/ofelia.dev/v1alpha1/namespaces/ops/scheduleddockerjobs',
    want: { type: 'resource', plural: 'scheduleddockerjobs', namespace: 'ops' },
  },
  {
    path: '/apis/ofelia.dev/v1alpha1/namespaces/ops/scheduleddockerjobs/backup/status',
    want: {
      type: 'resource',
      plural: 'scheduleddockerjobs',
      namespace: 'ops',
      name: 'backup',
      subresource: 'status',
    },
  },
  { path: '/api/v1/namespaces', want: { type: 'resource', plural: 'namespaces' } },
  { path: '/api/v1/namespaces/ops', want: { type: 'resource', plural: 'namespaces', name: 'ops' } },
  {
    path: '/api/v1/namespaces/ops/status',
    want: { type: 'resource', plural: 'namespaces', name: 'ops', subresource: 'status' },
  },
  { path: '/api/v1/namespaces/ops/events', want: { type: 'resource', plural: 'events', namespace: 'ops' } },
  {
    path: '/api/v1/namespaces/ops/secrets/s',
    want: { type: 'resource', plural: 'secrets', namespace: 'ops', name: 's' },
  },
  {
    path: '/apis/coordination.k8s.io/v1/namespaces/x/leases/l',
    want: { type: 'resource', plural: 'leases', namespace: 'x', name: 'l' },
  },
  // A namespaced kind has no single-object path outside a namespace.
  { path: '/apis/ofelia.dev/v1alpha1/scheduleddockerjobs/backup', want: { type: 'notFound' } },
  { path: '/apis/ofelia.dev/v1alpha1/namespaces/ops/pods', want: { type: 'notFound' } },
  { path: '/apis/ofelia.dev/v2/namespaces/ops/scheduleddockerjobs', want: { type: 'notFound' } },
  { path: '/apis/ofelia.dev/v1alpha1/namespaces/ops/scheduleddockerjobs/a/b/c', want: { type: 'notFound' } },
  { path: '/nothing', want: { type: 'notFound' } },
  { path: '/api/v1/namespaces/%E0%A4%A', want: { type: 'notFound' } },
];

for (const c of cases) {
  test(`route ${c.path}`, () => {
    const r = route(registry, c.path) as Record<string, unknown> & { kind?: { plural: string } };
    const got: Record<string, unknown> = { ...r };
    if (r.kind) {
      got.plural = r.kind.plural;
      delete got.kind;
    }
    assert.deepEqual(got, c.want);
  });
}
