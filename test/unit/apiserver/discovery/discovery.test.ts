import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregatedDiscovery,
  aggregatedDiscoveryContentType,
  apiGroupDiscoveryList,
  negotiateAggregatedDiscovery,
} from '../../../../src/apiserver/discovery/aggregated-discovery.ts';
import { apiGroupList, apiResourceList, apiVersions } from '../../../../src/apiserver/discovery/discovery.ts';
import { KindRegistry } from '../../../../src/apiserver/kinds/kind-registry.ts';
import { leaseKind } from '../../../../src/apiserver/kinds/lease.ts';
import { namespaceKind } from '../../../../src/apiserver/kinds/namespace.ts';
import { scheduledDockerJobKind } from '../../../../src/apiserver/kinds/scheduled-docker-job.ts';
import { defaultKinds } from '../../../../src/apiserver/kinds/served-kinds.ts';

const registry = defaultKinds();

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
const KUBECTL_132 = `${V2},${V2BETA1},application/json`;

interface GroupDiscovery {
  metadata: { name: string };
  versions: {
    version: string;
    freshness: string;
    resources: {
      resource: string;
      responseKind: { group: string; version: string; kind: string };
      scope: string;
      singularResource: string;
      verbs: string[];
      shortNames?: string[];
      categories?: string[];
      subresources?: { subresource: string; responseKind: unknown; verbs: string[] }[];
    }[];
  }[];
}
interface DiscoveryList {
  kind: string;
  apiVersion: string;
  items: GroupDiscovery[];
}

const negotiation: { accept: string | undefined; want: string | undefined }[] = [
  { accept: KUBECTL_132, want: 'v2' },
  { accept: V2, want: 'v2' },
  { accept: `${V2BETA1},application/json`, want: 'v2beta1' },
  {
    accept:
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json;q=0.9',
    want: undefined,
  },
  {
    accept:
      'application/json;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    want: 'v2beta1',
  },
  { accept: `${V2};q=0,application/json`, want: undefined },
  // Protobuf is never answered: the JSON variant listed after it is.
  {
    accept: `application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,${V2},application/json`,
    want: 'v2',
  },
  {
    accept: 'application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json',
    want: undefined,
  },
  { accept: 'application/json;g=meta.k8s.io;v=v1;as=Table,application/json', want: undefined },
  { accept: `application/json,${V2}`, want: undefined },
  { accept: `*/*,${V2}`, want: undefined },
  { accept: 'application/json, */*', want: undefined },
  { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscovery', want: undefined },
  { accept: ' Application/JSON ; g=apidiscovery.k8s.io ; v=v2 ; as=APIGroupDiscoveryList ', want: 'v2' },
  { accept: '', want: undefined },
  { accept: undefined, want: undefined },
];

for (const c of negotiation) {
  test(`negotiate Accept ${JSON.stringify(c.accept)} -> ${c.want ?? 'legacy'}`, () => {
    assert.equal(negotiateAggregatedDiscovery(c.accept), c.want);
  });
}

test('the content type is exactly what clients compare against', () => {
  assert.equal(aggregatedDiscoveryContentType('v2'), V2);
  assert.equal(aggregatedDiscoveryContentType('v2beta1'), V2BETA1);
  for (const scope of ['core', 'named'] as const) {
    assert.equal(aggregatedDiscovery(registry, scope, KUBECTL_132)?.contentType, V2);
    assert.equal(aggregatedDiscovery(registry, scope, `${V2BETA1},application/json`)?.contentType, V2BETA1);
    assert.equal(aggregatedDiscovery(registry, scope, 'application/json, */*'), undefined);
  }
});

test('/apis: named groups only, ScheduledDockerJobs with short names, categories and a status subresource', () => {
  const body = aggregatedDiscovery(registry, 'named', KUBECTL_132)!.body as unknown as DiscoveryList;
  assert.equal(body.kind, 'APIGroupDiscoveryList');
  assert.equal(body.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.deepEqual(
    body.items.map((g) => g.metadata.name),
    ['ofelia.dev', 'coordination.k8s.io'],
  );
  const ofelia = body.items[0]!;
  assert.equal(ofelia.versions.length, 1);
  assert.equal(ofelia.versions[0]!.version, 'v1alpha1');
  assert.equal(ofelia.versions[0]!.freshness, 'Current');
  const responseKind = { group: 'ofelia.dev', version: 'v1alpha1', kind: 'ScheduledDockerJob' };
  const notifierKind = { group: 'ofelia.dev', version: 'v1alpha1', kind: 'JobNotifier' };
  assert.deepEqual(ofelia.versions[0]!.resources, [
    {
      resource: 'scheduleddockerjobs',
      responseKind,
      scope: 'Namespaced',
      singularResource: 'scheduleddockerjob',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['sdj'],
      categories: ['all', 'ofelia'],
      subresources: [{ subresource: 'status', responseKind, verbs: ['get', 'patch', 'update'] }],
    },
    {
      resource: 'jobnotifiers',
      responseKind: notifierKind,
      scope: 'Namespaced',
      singularResource: 'jobnotifier',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['jn'],
      // Not in `all`: like Flux's Alerts and Providers, notifiers are configuration, not workloads.
      categories: ['ofelia'],
      subresources: [
        { subresource: 'status', responseKind: notifierKind, verbs: ['get', 'patch', 'update'] },
      ],
    },
  ]);
  const lease = body.items[1]!.versions[0]!.resources[0]!;
  assert.equal(lease.resource, 'leases');
  assert.equal(lease.shortNames, undefined);
  assert.equal(lease.subresources, undefined);
});

test('/api: the core group, named "", with cluster-scoped namespaces', () => {
  const body = aggregatedDiscovery(registry, 'core', KUBECTL_132)!.body as unknown as DiscoveryList;
  assert.equal(body.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.equal(body.items.length, 1);
  const core = body.items[0]!;
  assert.equal(core.metadata.name, '');
  assert.deepEqual(
    core.versions.map((v) => v.version),
    ['v1'],
  );
  const byName = new Map(core.versions[0]!.resources.map((r) => [r.resource, r]));
  assert.deepEqual([...byName.keys()].sort(), ['configmaps', 'events', 'namespaces', 'secrets']);
  assert.equal(byName.get('namespaces')!.scope, 'Cluster');
  assert.deepEqual(byName.get('namespaces')!.responseKind, { group: '', version: 'v1', kind: 'Namespace' });
  assert.deepEqual(byName.get('namespaces')!.shortNames, ['ns']);
  assert.equal(byName.get('events')!.scope, 'Namespaced');
  assert.deepEqual(byName.get('configmaps')!.shortNames, ['cm']);
});

test('v2beta1 has the same items under its own apiVersion', () => {
  for (const scope of ['core', 'named'] as const) {
    const v2 = apiGroupDiscoveryList(registry, scope, 'v2');
    const beta = apiGroupDiscoveryList(registry, scope, 'v2beta1');
    assert.equal(beta.apiVersion, 'apidiscovery.k8s.io/v2beta1');
    assert.deepEqual(beta.items, v2.items);
  }
});

test('aggregated and legacy discovery describe the same groups, versions and resources', () => {
  const legacyGroups = (
    apiGroupList(registry) as { groups: { name: string; versions: { version: string }[] }[] }
  ).groups.map((g) => [g.name, g.versions.map((v) => v.version)]);
  const items = [
    ...(apiGroupDiscoveryList(registry, 'core', 'v2') as unknown as DiscoveryList).items,
    ...(apiGroupDiscoveryList(registry, 'named', 'v2') as unknown as DiscoveryList).items,
  ];
  assert.deepEqual(
    items.slice(1).map((g) => [g.metadata.name, g.versions.map((v) => v.version)]),
    legacyGroups,
  );
  assert.deepEqual((apiVersions() as { versions: string[] }).versions, ['v1']);
  for (const g of items) {
    for (const v of g.versions) {
      const legacy = apiResourceList(registry, g.metadata.name, v.version) as {
        resources: {
          name: string;
          singularName: string;
          namespaced: boolean;
          kind: string;
          verbs: string[];
          shortNames?: string[];
          categories?: string[];
        }[];
      };
      const fromAggregated = v.resources.flatMap((r) => [
        {
          name: r.resource,
          singularName: r.singularResource,
          namespaced: r.scope === 'Namespaced',
          kind: r.responseKind.kind,
          verbs: r.verbs,
          ...(r.shortNames ? { shortNames: r.shortNames } : {}),
          ...(r.categories ? { categories: r.categories } : {}),
        },
        ...(r.subresources ?? []).map((s) => ({
          name: `${r.resource}/${s.subresource}`,
          singularName: '',
          namespaced: r.scope === 'Namespaced',
          kind: r.responseKind.kind,
          verbs: s.verbs,
        })),
      ]);
      assert.deepEqual(fromAggregated, legacy.resources, `${g.metadata.name}/${v.version}`);
    }
  }
});

test('a group served in two versions lists them in registration order (the first is preferred), each with its kinds', () => {
  const sdj = scheduledDockerJobKind();
  const reg = new KindRegistry([namespaceKind(), sdj, { ...sdj, version: 'v1beta1' }, leaseKind()]);
  const body = apiGroupDiscoveryList(reg, 'named', 'v2') as unknown as DiscoveryList;
  assert.deepEqual(
    body.items.map((g) => [g.metadata.name, g.versions.map((v) => v.version)]),
    [
      ['ofelia.dev', ['v1alpha1', 'v1beta1']],
      ['coordination.k8s.io', ['v1']],
    ],
  );
  const beta = body.items[0]!.versions[1]!.resources[0]!;
  assert.deepEqual(beta.responseKind, {
    group: 'ofelia.dev',
    version: 'v1beta1',
    kind: 'ScheduledDockerJob',
  });
  assert.equal(
    (apiGroupList(reg) as { groups: { preferredVersion: { version: string } }[] }).groups[0]!.preferredVersion
      .version,
    'v1alpha1',
  );
  // A registry with no named group still answers /apis, with no items.
  const coreOnly = new KindRegistry([namespaceKind()]);
  assert.deepEqual((apiGroupDiscoveryList(coreOnly, 'named', 'v2') as unknown as DiscoveryList).items, []);
});
