/**
 * The operator's API clients in-process against the embedded API server (operator-api.ts):
 * embedded mode's default. Every call goes to the server's own ResourceService and WatchHub
 * (admission, resourceVersions, conflicts, managed fields, the durable store and the watch are
 * the same as over HTTPS), without TLS, HTTP and client-node, which this process then never loads.
 * Cluster mode's member Leases are absent: embedded mode runs no members.
 */

import { NOTIFIER_PLURAL } from '../api/notifier-schema.ts';
import { GROUP, VERSION } from '../api/schema.ts';
import type { InProcessAccess } from '../apiserver/index.ts';
import { inProcessEventSink } from '../in-process-client/in-process-event-sink.ts';
import { inProcessJobTransport } from '../in-process-client/in-process-job-transport.ts';
import { InProcessLeaseClient } from '../in-process-client/in-process-lease-client.ts';
import { inProcessSecretReads } from '../in-process-client/in-process-secret-reads.ts';
import { inProcessStatusResource } from '../in-process-client/in-process-status-resource.ts';
import { CachedSecretSource } from '../kube/cached-secret-source.ts';
import type { NotifierObject, NotifierStatusPatch } from '../notify/notifier-api.ts';
import type { Clock } from '../util/clock.ts';
import type { OperatorApi } from './operator-api.ts';

export function inProcessOperatorApi(access: InProcessAccess, clock: Clock): OperatorApi {
  const events = inProcessEventSink({ access, clock });
  const reads = inProcessSecretReads({ access, clock });
  return {
    name: 'in-process',
    controller: {
      jobs: inProcessJobTransport({ access, clock }),
      events,
      lease: (namespace, name) => new InProcessLeaseClient({ access, clock, namespace, name }),
    },
    notifiers: inProcessStatusResource<NotifierObject, NotifierStatusPatch>({
      access,
      clock,
      group: GROUP,
      version: VERSION,
      plural: NOTIFIER_PLURAL,
    }),
    notifierEvents: events,
    secrets: () => new CachedSecretSource({ reads, clock }),
    // Loaded with --docker-labels only.
    labelStores: async (namespace, owner) =>
      (await import('../labels/in-process-object-store.ts')).inProcessLabelStores(
        access,
        clock,
        namespace,
        owner,
      ),
  };
}
