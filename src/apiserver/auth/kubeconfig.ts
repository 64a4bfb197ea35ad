/**
 * A kubeconfig for the embedded API server: one cluster (server URL + the serving certificate as
 * certificate-authority-data), one user (a bearer token), one context, made current.
 * Written with mode 0600 by atomic rename (its parent directory created 0700 when missing), so a
 * reader never sees half a file and the token is never readable by other users.
 * Works as written with kubectl and @kubernetes/client-node's `KubeConfig.loadFromFile`.
 */
import * as fs from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { DIR_MODE, writeFileAtomic } from '../store/store-files.ts';

export interface KubeconfigParams {
  server: string;
  caData: string;
  token: string;
  clusterName?: string;
  userName?: string;
  contextName?: string;
  namespace?: string;
}

export function renderKubeconfig(p: KubeconfigParams): string {
  const cluster = p.clusterName ?? 'ofelia-embedded';
  const user = p.userName ?? 'ofelia-admin';
  const context = p.contextName ?? 'ofelia-embedded';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: p.server, 'certificate-authority-data': p.caData } }],
    users: [{ name: user, user: { token: p.token } }],
    contexts: [{ name: context, context: { cluster, user, namespace: p.namespace ?? 'default' } }],
    'current-context': context,
    preferences: {},
  });
}

export async function writeKubeconfig(file: string, params: KubeconfigParams): Promise<void> {
  await fs.mkdir(dirname(file), { recursive: true, mode: DIR_MODE });
  await writeFileAtomic(file, renderKubeconfig(params));
}
