/**
 * Discovery documents: /version, /api, /api/v1, /apis, /apis/G, /apis/G/V — the legacy (v1)
 * shapes every kubectl and client-node version understands. Aggregated discovery (v2) is not
 * served: kubectl asks for it with a fallback to application/json and takes these.
 */
import { apiVersionOf, type KindRegistry, type ResourceKind } from './kinds.ts';

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

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

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

export function apiGroupList(registry: KindRegistry): Record<string, unknown> {
  const groups = new Map<string, string[]>();
  for (const gv of registry.groupVersions()) {
    if (!gv.group) continue;
    const list = groups.get(gv.group) ?? [];
    list.push(gv.version);
    groups.set(gv.group, list);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([g, vs]) => groupEntry(g, vs)),
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
    verbs: ALL_VERBS,
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
      verbs: ['get', 'patch', 'update'],
    });
  return out;
}

export function apiResourceList(
  registry: KindRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const gv = registry.groupVersions().find((g) => g.group === group && g.version === version);
  if (!gv) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: gv.kinds.flatMap(resourceEntries),
  };
}
