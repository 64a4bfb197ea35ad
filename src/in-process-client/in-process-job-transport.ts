/**
 * The controller's ScheduledDockerJob calls (kube/job-transport.ts) made in-process against the
 * embedded API server (apiserver/in-process.ts): embedded mode's default.
 *
 * - list: the stored objects of the kind, each parsed from its JSON text, managedFields dropped
 *   (as the HTTP informer's trim does);
 * - the informer: InProcessInformer, list then watch straight from the store and the watch hub,
 *   its cache the store's own text (no parsed copy per job), re-listing on 410 as over HTTPS;
 * - status: a JSON merge patch on the status subresource; finalizers: JSON patches with a `test`
 *   of the current list (a concurrent change is a 422 conflict, retried by the reconcile).
 * Writes are recorded with the field manager `ofelia-operator` (in-process-calls.ts). Errors are the server's ApiErrors:
 * their `code` is the HTTP status a client would have seen, so api-errors.ts reads them alike.
 * Every call has a deadline (a stuck disk under the store must not hold a writer forever).
 */
import type { KubernetesListObject } from '@kubernetes/client-node';
import { FINALIZER, GROUP, LIST_KIND, PLURAL, VERSION } from '../api/schema.ts';
import type { InProcessAccess } from '../apiserver/index.ts';
import { isNotFound } from '../kube/api-errors.ts';
import type { InformerFactory } from '../kube/informer.ts';
import type { FinalizerClient, JobObject } from '../kube/job-api.ts';
import type { JobTransport } from '../kube/job-transport.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../kube/request-timeout.ts';
import { trimReceived } from '../kube/trim-received.ts';
import type { Clock } from '../util/clock.ts';
import { clone } from '../util/json-values.ts';
import { OPERATOR_WRITE, servedKind, withDeadline } from './in-process-calls.ts';
import { InProcessInformer, namespaceOfPath } from './in-process-informer.ts';

export interface InProcessJobTransportOptions {
  access: InProcessAccess;
  clock: Clock;
  /** Deadline of one write (default 10 s, as over HTTPS). */
  timeoutMs?: number;
}

export function inProcessJobTransport(o: InProcessJobTransportOptions): JobTransport {
  const kind = servedKind(o.access, GROUP, VERSION, PLURAL);
  const service = o.access.service;
  const timeoutMs = o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const write = OPERATOR_WRITE;
  const target = (namespace: string, name: string, subresource?: 'status') => ({
    kind,
    namespace,
    name,
    subresource,
  });

  const list = (namespace?: string) => async (): Promise<KubernetesListObject<JobObject>> => {
    const r = service.listStored(kind, namespace, {});
    return {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: LIST_KIND,
      metadata: { resourceVersion: r.resourceVersion },
      items: r.items.map((o) => trimReceived(o.object()) as JobObject),
    };
  };

  // The informer reads the store itself (no parsed copy per job), not through `list` above, which
  // answers the JobTransport contract the same way for any other caller.
  const informerFactory: InformerFactory<JobObject> = (path, _list, onListed) =>
    new InProcessInformer<JobObject>({
      access: o.access,
      kind,
      namespace: namespaceOfPath(path),
      receive: (obj) => trimReceived(obj as JobObject) as Record<string, unknown>,
      onListed,
    });

  const finalizers: FinalizerClient = {
    async add(key, current) {
      if (current?.includes(FINALIZER)) return;
      const ops = current
        ? [
            { op: 'test', path: '/metadata/finalizers', value: [...current] },
            { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
          ]
        : [{ op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }];
      await withDeadline(o.clock, timeoutMs, 'finalizer patch', () =>
        service.patch(target(key.namespace, key.name), 'json', ops, write),
      );
    },
    async remove(key, current) {
      if (!current.includes(FINALIZER)) return;
      const ops = [
        { op: 'test', path: '/metadata/finalizers', value: [...current] },
        { op: 'replace', path: '/metadata/finalizers', value: current.filter((f) => f !== FINALIZER) },
      ];
      try {
        await withDeadline(o.clock, timeoutMs, 'finalizer patch', () =>
          service.patch(target(key.namespace, key.name), 'json', ops, write),
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };

  return {
    name: 'in-process',
    list,
    informerFactory,
    // The writer keeps its patch to compose it with later changes after a failure: the server
    // gets a copy of its own, as it would get one decoded from a request body.
    statusPatch: async (key, patch) => {
      await withDeadline(o.clock, timeoutMs, 'status patch', () =>
        service.patch(target(key.namespace, key.name, 'status'), 'merge', { status: clone(patch) }, write),
      );
    },
    finalizers,
  };
}
