/**
 * In-process access to a running API server's resource engine, for the one client that shares
 * this process with it: the operator in embedded mode.
 *
 * Why: that client reaching the server over loopback HTTPS paid, for every status write, a TLS
 * record and an HTTP exchange on both sides, client-node's request and response serialization,
 * and, for every change it watches, a JSON line written, framed and parsed again — about a third
 * of the CPU of a status write (docs/performance.md). Through this access the same client calls
 * the same ResourceService and WatchHub the HTTPS front calls, so every rule is kept —
 * admission, resourceVersions and conflicts, managed fields, the durable store, watch order and
 * history — and only authentication, HTTP and TLS are skipped.
 *
 * Not for anything else: kubectl, the dashboard and every other client go through HTTPS with their
 * own tokens. Nothing here is reachable from outside the process.
 */
import type { ResourceKind } from './kinds/kind.ts';
import type { KindRegistry } from './kinds/kind-registry.ts';
import type { ResourceService } from './registry/resource-service.ts';
import type { WatchHub } from './watch/watch-hub.ts';

export interface InProcessAccess {
  /** Reads and writes, with the HTTPS front's semantics (errors are ApiErrors with an HTTP `code`). */
  readonly service: ResourceService;
  /** Watches: events are delivered synchronously, in resourceVersion order, from the write path. */
  readonly hub: WatchHub;
  /** A served kind by group, version and plural (undefined when not served). */
  kind(group: string, version: string, plural: string): ResourceKind | undefined;
}

export function inProcessAccess(
  service: ResourceService,
  hub: WatchHub,
  kinds: KindRegistry,
): InProcessAccess {
  return { service, hub, kind: (group, version, plural) => kinds.lookup(group, version, plural) };
}
