/**
 * URL paths to routes. Pure: a path in, a discriminated union out; no HTTP, no store.
 * Resource paths follow the Kubernetes layout: `/api/v1/...` for the core group,
 * `/apis/G/V/...` otherwise; `[namespaces/NS/]R[/NAME[/SUB]]`.
 */

import type { ResourceKind } from '../kinds/kind.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';

export type Route =
  | { type: 'livez' }
  | { type: 'readyz' }
  | { type: 'version' }
  | { type: 'api' }
  | { type: 'apis' }
  | { type: 'apiGroup'; group: string }
  | { type: 'resourceList'; group: string; version: string }
  | { type: 'openapiV2' }
  | { type: 'openapiV3' }
  | { type: 'openapiV3Doc'; group: string; version: string }
  | {
      type: 'resource';
      kind: ResourceKind;
      /** Undefined for cluster-scoped kinds and for all-namespaces lists. */
      namespace?: string;
      name?: string;
      subresource?: string;
    }
  | { type: 'notFound' };

function segmentsOf(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

export function route(registry: KindRegistry, pathname: string): Route {
  const s = segmentsOf(pathname);
  if (!s) return { type: 'notFound' };
  const joined = s.join('/');
  switch (joined) {
    case 'livez':
    case 'healthz':
      return { type: 'livez' };
    case 'readyz':
      return { type: 'readyz' };
    case 'version':
      return { type: 'version' };
    case 'api':
      return { type: 'api' };
    case 'apis':
      return { type: 'apis' };
    case 'openapi/v2':
      return { type: 'openapiV2' };
    case 'openapi/v3':
      return { type: 'openapiV3' };
  }
  if (s[0] === 'openapi' && s[1] === 'v3') {
    if (s[2] === 'api' && s.length === 4) return { type: 'openapiV3Doc', group: '', version: s[3]! };
    if (s[2] === 'apis' && s.length === 5) return { type: 'openapiV3Doc', group: s[3]!, version: s[4]! };
    return { type: 'notFound' };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (s[0] === 'api') {
    if (s.length < 2) return { type: 'notFound' };
    group = '';
    version = s[1]!;
    rest = s.slice(2);
  } else if (s[0] === 'apis') {
    if (s.length === 2) return { type: 'apiGroup', group: s[1]! };
    if (s.length < 3) return { type: 'notFound' };
    group = s[1]!;
    version = s[2]!;
    rest = s.slice(3);
  } else return { type: 'notFound' };
  if (rest.length === 0) return { type: 'resourceList', group, version };

  // namespaces/NS/R/... is a namespaced resource when R is one; otherwise namespaces/NAME[/SUB].
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const kind = registry.lookup(group, version, rest[2]!);
    if (kind?.namespaced) {
      if (rest.length > 5) return { type: 'notFound' };
      return withParts(kind, rest[1]!, rest[3], rest[4]);
    }
  }
  const kind = registry.lookup(group, version, rest[0]!);
  if (!kind || rest.length > 3) return { type: 'notFound' };
  // A namespaced kind without a namespace: only the all-namespaces collection exists.
  if (kind.namespaced && rest.length > 1) return { type: 'notFound' };
  return withParts(kind, undefined, rest[1], rest[2]);
}

function withParts(
  kind: ResourceKind,
  namespace: string | undefined,
  name: string | undefined,
  subresource: string | undefined,
): Route {
  const r: Route = { type: 'resource', kind };
  if (namespace !== undefined) r.namespace = namespace;
  if (name !== undefined) r.name = name;
  if (subresource !== undefined) r.subresource = subresource;
  return r;
}
