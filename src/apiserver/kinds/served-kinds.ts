/**
 * The kinds the embedded API server serves, in discovery order. Adding a kind = one file in this
 * folder exporting a `ResourceKind` factory, plus its line here; the REST machinery, discovery,
 * OpenAPI, Tables and watches pick it up from the registry.
 */
import { configMapKind } from './config-map.ts';
import { eventKind } from './event.ts';
import { jobNotifierKind } from './job-notifier.ts';
import { KindRegistry } from './kind-registry.ts';
import { leaseKind } from './lease.ts';
import { namespaceKind } from './namespace.ts';
import { scheduledDockerJobKind } from './scheduled-docker-job.ts';
import { secretKind } from './secret.ts';

const SERVED_KINDS = [
  namespaceKind,
  eventKind,
  secretKind,
  configMapKind,
  scheduledDockerJobKind,
  jobNotifierKind,
  leaseKind,
];

/** A registry of every served kind (fresh objects each call: kinds are built, never shared). */
export function defaultKinds(): KindRegistry {
  return new KindRegistry(SERVED_KINDS.map((make) => make()));
}
