/**
 * Cluster mode: the controller talks to a real Kubernetes API server, from an explicit kubeconfig
 * file (`--kubeconfig`) or the pod's service account (`--in-cluster`). Nothing else is consulted:
 * not KUBECONFIG, not ~/.kube/config. The kubeconfig file is followed (re-read when it changes and
 * after a 401), as client-go follows token files; the service account's token file is re-read by
 * client-node itself.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { InClusterMode, KubeconfigMode } from '../config/index.ts';
import { ReloadingKubeConfig } from '../kube/reloading-kubeconfig.ts';
import { StartupError } from './errors.ts';

export function clusterKubeConfig(mode: KubeconfigMode | InClusterMode): KubeConfig {
  let kc: KubeConfig;
  try {
    if (mode.kind === 'in-cluster') {
      kc = new KubeConfig();
      kc.loadFromCluster();
    } else kc = new ReloadingKubeConfig(mode.file);
  } catch (e) {
    const what = mode.kind === 'in-cluster' ? '--in-cluster' : `--kubeconfig: ${mode.file}`;
    throw new StartupError('KubeconfigUnusable', `${what}: ${(e as Error).message.split('\n')[0]}`, {
      cause: e,
    });
  }
  const cluster = kc.getCurrentCluster();
  // loadFromCluster builds https://undefined:undefined outside a pod instead of failing.
  if (!cluster?.server || cluster.server.includes('undefined')) {
    const what = mode.kind === 'in-cluster' ? '--in-cluster' : `--kubeconfig: ${mode.file}`;
    throw new StartupError(
      'KubeconfigUnusable',
      mode.kind === 'in-cluster'
        ? `${what}: not in a pod (KUBERNETES_SERVICE_HOST/PORT are not set)`
        : `${what}: the current context names no cluster with a server`,
    );
  }
  return kc;
}
