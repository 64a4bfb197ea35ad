/**
 * The Secret and ConfigMap reads of a CachedSecretSource over HTTP(S) with client-node, each with
 * a timeout: cluster mode, and embedded mode with `--embedded-client https`.
 */

import type { SecretReads } from './cached-secret-source.ts';
import { type KubeClients, withTimeout } from './clients.ts';

export function kubeSecretReads(clients: KubeClients, timeoutMs?: number): SecretReads {
  return {
    readSecret: (namespace, name) =>
      clients.core.readNamespacedSecret({ namespace, name }, withTimeout(timeoutMs)),
    readConfigMap: (namespace, name) =>
      clients.core.readNamespacedConfigMap({ namespace, name }, withTimeout(timeoutMs)),
  };
}
