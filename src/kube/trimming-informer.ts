/**
 * client-node's informer (its ListWatch cache over a Watch) with every object trimmed before it
 * reaches the cache: `metadata.managedFields` is dropped from listed items and watched objects.
 *
 * Why: a server sends managedFields with every object, a tree of small one-key objects (one entry
 * per field manager: the creating client, the operator's status writes, kubectl edits) that is
 * close to half of a job's parsed size; the cache holds one parsed object per job for the life of
 * the process, and nothing in the operator reads managedFields (the API server side does, on its
 * own copy). Everything else of the object is kept as received.
 * Loads client-node: only the HTTPS transport (http-job-transport.ts) uses it.
 * In: what `makeInformer` takes. Out: the same informer interface, so RestartingInformer and the
 * tests' fakes are unchanged. Never: changes what is written back (status patches are built
 * from the controller's own view, not from cached objects).
 */
import {
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  ListWatch,
  type ObjectCache,
  Watch,
} from '@kubernetes/client-node';
import { trimReceived } from './trim-received.ts';

type WatchArgs = Parameters<Watch['watch']>;

class TrimmingWatch extends Watch {
  override watch(
    path: WatchArgs[0],
    queryParams: WatchArgs[1],
    callback: WatchArgs[2],
    done: WatchArgs[3],
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, obj: KubernetesObject, raw: unknown) => callback(phase, trimReceived(obj), raw),
      done,
    );
  }
}

export function makeTrimmingInformer<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
  list: ListPromise<T>,
): Informer<T> & ObjectCache<T> {
  const trimmedList: ListPromise<T> = async () => {
    const result = await list();
    for (const item of result.items ?? []) trimReceived(item);
    return result;
  };
  return new ListWatch<T>(path, new TrimmingWatch(kubeConfig), trimmedList, false);
}
