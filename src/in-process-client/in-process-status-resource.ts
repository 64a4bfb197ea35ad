/**
 * A resource the operator watches and whose status it writes, in-process against the embedded
 * API server: its list, an InProcessInformer over the store and the watch hub, and JSON merge
 * patches `{ status }` on its status subresource (field manager `ofelia-operator`, a deadline per
 * call). Generic over the kind, so that a controller's own API contract (the notifier
 * controller's NotifierApi) is met without this folder knowing the controller.
 *
 * Objects handed out have managedFields dropped, as the HTTPS informer's trim does.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { InProcessAccess } from '../apiserver/index.ts';
import type { InformerFactory } from '../kube/informer.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../kube/request-timeout.ts';
import { trimReceived } from '../kube/trim-received.ts';
import type { Clock } from '../util/clock.ts';
import { asRequestBody, OPERATOR_WRITE, servedKind, withDeadline } from './in-process-calls.ts';
import { InProcessInformer, namespaceOfPath } from './in-process-informer.ts';

export interface InProcessStatusResourceOptions {
  access: InProcessAccess;
  clock: Clock;
  group: string;
  version: string;
  plural: string;
  /** Deadline of one status write (default 10 s, as over HTTPS). */
  timeoutMs?: number;
}

export interface InProcessStatusResource<T extends KubernetesObject, S> {
  list(namespace?: string): () => Promise<KubernetesListObject<T>>;
  readonly informerFactory: InformerFactory<T>;
  patchStatus(namespace: string, name: string, status: S): Promise<void>;
}

export function inProcessStatusResource<T extends KubernetesObject, S extends object>(
  o: InProcessStatusResourceOptions,
): InProcessStatusResource<T, S> {
  const kind = servedKind(o.access, o.group, o.version, o.plural);
  const timeoutMs = o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const service = o.access.service;
  return {
    list: (namespace) => async () => {
      const r = service.listStored(kind, namespace, {});
      return {
        apiVersion: o.group ? `${o.group}/${o.version}` : o.version,
        kind: kind.listKind,
        metadata: { resourceVersion: r.resourceVersion },
        items: r.items.map((stored) => trimReceived(stored.object() as T)),
      };
    },
    informerFactory: (path, _list, onListed) =>
      new InProcessInformer<T>({
        access: o.access,
        kind,
        namespace: namespaceOfPath(path),
        receive: (obj) => trimReceived(obj),
        onListed,
      }),
    async patchStatus(namespace, name, status) {
      await withDeadline(o.clock, timeoutMs, `${o.plural} status patch`, () =>
        service.patch(
          { kind, namespace, name, subresource: 'status' },
          'merge',
          { status: asRequestBody(status) },
          OPERATOR_WRITE,
        ),
      );
    },
  };
}
