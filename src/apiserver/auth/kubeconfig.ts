/**
 * A kubeconfig for the embedded API server: one cluster (server URL + the serving certificate as
 * certificate-authority-data), one user (a bearer token), one context, made current.
 * Written with mode 0600 by atomic rename (its parent directory created 0700 when missing), so a
 * reader never sees half a file and the token is never readable by other users.
 * Works as written with kubectl and @kubernetes/client-node's `KubeConfig.loadFromFile`.
 */
import * as fs from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';
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

/** Write the kubeconfig unless the file already says exactly this (a reader sees no change). */
export async function writeKubeconfig(file: string, params: KubeconfigParams): Promise<void> {
  const text = renderKubeconfig(params);
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (existing === text) return;
  await fs.mkdir(dirname(file), { recursive: true, mode: DIR_MODE });
  await writeFileAtomic(file, text);
}

/**
 * The bearer token of the current context's user in a kubeconfig file, or undefined when the file
 * is missing, unreadable or has none (a start-up then issues a new one).
 */
export async function readKubeconfigToken(file: string): Promise<string | undefined> {
  let doc: unknown;
  try {
    doc = parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  const c = doc as {
    'current-context'?: unknown;
    contexts?: { name?: unknown; context?: { user?: unknown } }[];
    users?: { name?: unknown; user?: { token?: unknown } }[];
  } | null;
  const context = c?.contexts?.find((x) => x?.name === c['current-context']);
  const user = c?.users?.find((u) => u?.name === context?.context?.user);
  return typeof user?.user?.token === 'string' ? user.user.token : undefined;
}
