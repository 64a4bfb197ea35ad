/**
 * The event recorder's API calls: create a core/v1 Event, or merge-patch the count and
 * lastTimestamp of an existing one. Each call has a timeout.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { type KubeClients, mergePatchOptions, withTimeout } from './clients.ts';
import type { CoreEvent, EventSink } from './event-recorder.ts';

export function kubeEventSink(clients: KubeClients, timeoutMs?: number): EventSink {
  return {
    async create(event: CoreEvent): Promise<void> {
      // client-node serializes timestamps from Date objects.
      const body: CoreV1Event = {
        ...event,
        firstTimestamp: new Date(event.firstTimestamp),
        lastTimestamp: new Date(event.lastTimestamp),
      };
      await clients.core.createNamespacedEvent(
        { namespace: event.metadata.namespace, body },
        withTimeout(timeoutMs),
      );
    },
    async bump(namespace: string, name: string, count: number, lastTimestamp: string): Promise<void> {
      await clients.core.patchNamespacedEvent(
        { namespace, name, body: { count, lastTimestamp } },
        mergePatchOptions(timeoutMs),
      );
    },
  };
}
