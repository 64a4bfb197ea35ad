/**
 * The operator's API clients over HTTP(S) with client-node (operator-api.ts): cluster mode, and
 * embedded mode with `--embedded-client https`. One set of client-node clients over shared
 * keep-alive connections (kube/clients.ts), every call with a timeout.
 *
 * Loads client-node (about 84 MB of RSS): the composition root imports this file with a dynamic
 * `import()`, only on those paths.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig } from '../apiserver/index.ts';
import { KubeMemberLeaseApi } from '../cluster/kube-member-lease-api.ts';
import { CachedSecretSource } from '../kube/cached-secret-source.ts';
import { type KubeClients, makeKubeClients } from '../kube/clients.ts';
import { httpJobTransport } from '../kube/http-job-transport.ts';
import { kubeEventSink } from '../kube/kube-event-sink.ts';
import { KubeLeaseClient } from '../kube/kube-lease-client.ts';
import { kubeSecretReads } from '../kube/kube-secret-source.ts';
import { kubeNotifierApi } from '../notify/kube-notifier-api.ts';
import type { Clock } from '../util/clock.ts';
import type { ApiConnection } from './embedded-mode.ts';
import type { OperatorApi } from './operator-api.ts';

export function httpsOperatorApi(kubeConfig: KubeConfig, clock: Clock): OperatorApi {
  return httpsOperatorApiOver(makeKubeClients(kubeConfig), clock);
}

/** The same over clients already made (tests and tools that share them). */
export function httpsOperatorApiOver(clients: KubeClients, clock: Clock): OperatorApi {
  const events = kubeEventSink(clients);
  return {
    name: 'https',
    controller: {
      jobs: httpJobTransport(clients),
      events,
      lease: (namespace, name) => new KubeLeaseClient(clients, namespace, name),
      memberLeases: (namespace, group) => new KubeMemberLeaseApi(clients, namespace, group),
    },
    notifiers: kubeNotifierApi(clients),
    notifierEvents: events,
    secrets: () => new CachedSecretSource({ reads: kubeSecretReads(clients), clock }),
    // Loaded with --docker-labels only.
    labelStores: async (namespace, owner) =>
      (await import('../labels/kube-object-store.ts')).kubeLabelStores(clients, namespace, owner),
  };
}

/** A KubeConfig for the embedded API server: its URL and CA, and the operator's own token. */
export function embeddedKubeConfig(connection: ApiConnection): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(
    renderKubeconfig({
      server: connection.server,
      caData: connection.caData,
      token: connection.token,
      userName: 'ofelia-operator',
    }),
  );
  return kubeConfig;
}
