/**
 * Aggregated discovery (apidiscovery.k8s.io v2, and v2beta1 for older clients): `/api` and `/apis`
 * answered as one APIGroupDiscoveryList each, with every resource of every version inline, so a
 * client needs two requests instead of one per group version.
 *
 * In: the kinds registry and the request's Accept header. Out: the body and its exact Content-Type,
 * or undefined when the client did not ask for (or prefers something over) the aggregated shape —
 * the caller then serves the legacy v1 documents of discovery.ts. Pure; never touches HTTP.
 */

import type { ResourceKind } from '../kinds/kind.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';
import { RESOURCE_VERBS, type ServedVersion, STATUS_VERBS, servedGroups } from './discovery.ts';

const DISCOVERY_GROUP = 'apidiscovery.k8s.io';
const LIST_KIND = 'APIGroupDiscoveryList';
/** Served versions of apidiscovery.k8s.io; their shapes are identical for what is served here. */
export const AGGREGATED_DISCOVERY_VERSIONS = ['v2', 'v2beta1'] as const;
export type AggregatedDiscoveryVersion = (typeof AGGREGATED_DISCOVERY_VERSIONS)[number];

/** The Content-Type of an aggregated discovery response; clients compare it exactly. */
export function aggregatedDiscoveryContentType(version: AggregatedDiscoveryVersion): string {
  return `application/json;g=${DISCOVERY_GROUP};v=${version};as=${LIST_KIND}`;
}

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [type, ...rawParams] = part.split(';').map((s) => s.trim());
    if (!type) continue;
    const params = new Map<string, string>();
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    out.push({ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 });
  }
  return out;
}

/**
 * The aggregated discovery version the client prefers, or undefined for the legacy documents.
 * Media ranges are taken by descending q, then in the order listed (kubectl lists v2, v2beta1,
 * then application/json); the first one this server can answer decides. Protobuf ranges are
 * skipped (responses are JSON only); a plain JSON or wildcard range before any aggregated one
 * selects the legacy shape.
 */
export function negotiateAggregatedDiscovery(
  accept: string | undefined,
): AggregatedDiscoveryVersion | undefined {
  if (!accept) return undefined;
  const ranges = parseAccept(accept)
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const r of ranges) {
    if (r.type !== 'application/json') {
      if (r.type === '*/*' || r.type === 'application/*') return undefined;
      continue;
    }
    const g = r.params.get('g');
    const as = r.params.get('as');
    if (g === undefined && as === undefined) return undefined;
    if (g !== DISCOVERY_GROUP || as !== LIST_KIND) continue;
    const v = r.params.get('v');
    const served = AGGREGATED_DISCOVERY_VERSIONS.find((x) => x === v);
    if (served) return served;
  }
  return undefined;
}

function resourceEntry(k: ResourceKind): Record<string, unknown> {
  const responseKind = { group: k.group, version: k.version, kind: k.kind };
  const entry: Record<string, unknown> = {
    resource: k.plural,
    responseKind,
    scope: k.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: k.singular,
    verbs: [...RESOURCE_VERBS],
  };
  if (k.shortNames.length) entry.shortNames = [...k.shortNames];
  if (k.categories.length) entry.categories = [...k.categories];
  if (k.statusSubresource)
    entry.subresources = [{ subresource: 'status', responseKind, verbs: [...STATUS_VERBS] }];
  return entry;
}

function groupDiscovery(name: string, versions: ServedVersion[]): Record<string, unknown> {
  return {
    metadata: { name },
    // The first version is the preferred one, as in the legacy APIGroup.
    versions: versions.map((v) => ({
      version: v.version,
      resources: v.kinds.map(resourceEntry),
      freshness: 'Current',
    })),
  };
}

/**
 * The APIGroupDiscoveryList of `/api` (scope 'core': the core group, named '') or `/apis`
 * (scope 'named': every other group, in registration order).
 */
export function apiGroupDiscoveryList(
  registry: KindRegistry,
  scope: 'core' | 'named',
  version: AggregatedDiscoveryVersion,
): Record<string, unknown> {
  return {
    kind: LIST_KIND,
    apiVersion: `${DISCOVERY_GROUP}/${version}`,
    metadata: {},
    items: [...servedGroups(registry, scope === 'core')].map(([g, vs]) => groupDiscovery(g, vs)),
  };
}

/** The aggregated answer to `/api` or `/apis` for this Accept header, or undefined for the legacy one. */
export function aggregatedDiscovery(
  registry: KindRegistry,
  scope: 'core' | 'named',
  accept: string | undefined,
): { contentType: string; body: Record<string, unknown> } | undefined {
  const version = negotiateAggregatedDiscovery(accept);
  if (!version) return undefined;
  return {
    contentType: aggregatedDiscoveryContentType(version),
    body: apiGroupDiscoveryList(registry, scope, version),
  };
}
