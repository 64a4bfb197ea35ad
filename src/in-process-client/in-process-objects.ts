/**
 * Plain reads and writes of one kind in one namespace, in-process against the embedded API
 * server: list by label selector, create, replace (PUT, conditional on the object's
 * resourceVersion when it carries one) and delete. For clients that manage whole objects (the
 * Docker-label source's jobs, notifiers and Secrets), as the HTTPS verbs would, with the same
 * admission, conflicts (errors carry the HTTP `code`: 404, 409) and watch events; each call
 * bounded by a deadline, writes under the field manager `ofelia-operator`.
 */
import type { InProcessAccess, KubeObject } from '../apiserver/index.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../kube/request-timeout.ts';
import type { Clock } from '../util/clock.ts';
import { asRequestBody, OPERATOR_WRITE, servedKind, withDeadline } from './in-process-calls.ts';

export interface InProcessObjects {
  list(labelSelector: string): Promise<KubeObject[]>;
  create(object: object): Promise<void>;
  replace(name: string, object: object): Promise<void>;
  /** Nothing to delete is not an error. */
  delete(name: string): Promise<void>;
}

export interface InProcessObjectsOptions {
  access: InProcessAccess;
  clock: Clock;
  group: string;
  version: string;
  plural: string;
  namespace: string;
  /** Deadline of one call (default 10 s, as over HTTPS). */
  timeoutMs?: number;
}

export function inProcessObjects(o: InProcessObjectsOptions): InProcessObjects {
  const kind = servedKind(o.access, o.group, o.version, o.plural);
  const { service } = o.access;
  const ns = o.namespace;
  const timeoutMs = o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const bounded = <T>(verb: string, call: () => Promise<T>) =>
    withDeadline(o.clock, timeoutMs, `${o.plural} ${verb}`, call);
  const notFound = (e: unknown) => (e as { code?: number }).code === 404;
  return {
    list: (labelSelector) => bounded('list', async () => service.list(kind, ns, { labelSelector }).items),
    create: (object) =>
      bounded('create', async () => {
        await service.create(kind, ns, asRequestBody(object), OPERATOR_WRITE);
      }),
    replace: (name, object) =>
      bounded('replace', async () => {
        await service.update(
          { kind, namespace: ns, name, subresource: undefined },
          asRequestBody(object),
          OPERATOR_WRITE,
        );
      }),
    delete: (name) =>
      bounded('delete', async () => {
        try {
          await service.delete(kind, ns, name, {}, false);
        } catch (e) {
          if (!notFound(e)) throw e;
        }
      }),
  };
}
