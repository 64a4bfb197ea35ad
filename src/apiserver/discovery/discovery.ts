/**
 * Discovery documents: /version, /api, /api/v1, /apis, /apis/G, /apis/G/V — the legacy (v1)
 * shapes every kubectl and client-node version understands. Pure: a kinds registry in, JSON
 * values out. The aggregated (v2) shapes of /api and /apis are in aggregated-discovery.ts and
 * are built from the same registry, verbs and group order as these.
 */
import { apiVersionOf, type ResourceKind } from '../kinds/kind.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-ofelia',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'n/a',
  compiler: 'node',
  platform: `${process.platform}/${process.arch}`,
};

/** Verbs of every main resource (the REST handler serves all of them for every kind). */
export const RESOURCE_VERBS: readonly string[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];
/** Verbs of a `status` subresource. */
export const STATUS_VERBS: readonly string[] = ['get', 'patch', 'update'];

export function apiVersions(): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
  };
}

function groupEntry(group: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export interface ServedVersion {
  version: string;
  kinds: ResourceKind[];
}

/**
 * Served groups in registration order, each with its versions (the first is the preferred one);
 * the core group is '' and is left out unless `core` is set.
 */
export function servedGroups(registry: KindRegistry, core: boolean): Map<string, ServedVersion[]> {
  const groups = new Map<string, ServedVersion[]>();
  for (const gv of registry.groupVersions()) {
    if ((gv.group === '') !== core) continue;
    const list = groups.get(gv.group) ?? [];
    list.push({ version: gv.version, kinds: gv.kinds });
    groups.set(gv.group, list);
  }
  return groups;
}

export function apiGroupList(registry: KindRegistry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...servedGroups(registry, false)].map(([g, vs]) =>
      groupEntry(
        g,
        vs.map((v) => v.version),
      ),
    ),
  };
}

export function apiGroup(registry: KindRegistry, group: string): Record<string, unknown> | undefined {
  const versions = registry
    .groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => gv.version);
  if (!group || versions.length === 0) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

function resourceEntries(k: ResourceKind): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: k.plural,
    singularName: k.singular,
    namespaced: k.namespaced,
    kind: k.kind,
    verbs: [...RESOURCE_VERBS],
  };
  if (k.shortNames.length) main.shortNames = [...k.shortNames];
  if (k.categories.length) main.categories = [...k.categories];
  const out = [main];
  if (k.statusSubresource)
    out.push({
      name: `${k.plural}/status`,
      singularName: '',
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: [...STATUS_VERBS],
    });
  return out;
}

export function apiResourceList(
  registry: KindRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const gv = registry.groupVersion(group, version);
  if (!gv) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: gv.kinds.flatMap(resourceEntries),
  };
}
