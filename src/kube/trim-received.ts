/**
 * What the operator drops from every object its informers receive: `metadata.managedFields`.
 *
 * Why: a server sends managedFields with every object, a tree of small one-key objects (one entry
 * per field manager) close to half of a job's parsed size, and nothing in the operator reads it
 * (the API server side does, on its own copy). Shared by the HTTPS informer (trimming-informer.ts)
 * and the in-process one, in a file without client-node so the in-process side loads none.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

/** Drops what the operator never reads from an object it just received (it owns the object). */
export function trimReceived<T extends KubernetesObject>(obj: T): T {
  if (obj?.metadata && 'managedFields' in obj.metadata) delete obj.metadata.managedFields;
  return obj;
}
