/**
 * The runner's SecretSource over the Kubernetes API: Secrets and ConfigMaps of a job's namespace,
 * read with a timeout and kept in a short cache (default 10 s, at most 256 objects) so that a job
 * firing every second does not read its Secret every second. A missing object is cached too.
 * Values are returned decoded and never logged.
 */
import type { SecretSource } from '../runner/secret-source.ts';
import type { Clock } from '../util/clock.ts';
import { isNotFound } from './api-errors.ts';
import { type KubeClients, withTimeout } from './clients.ts';

export interface KubeSecretSourceOptions {
  clients: KubeClients;
  clock: Clock;
  ttlMs?: number;
  maxEntries?: number;
  timeoutMs?: number;
}

interface CacheEntry {
  at: number;
  data: Record<string, string> | undefined;
}

export class KubeSecretSource implements SecretSource {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly opts: KubeSecretSourceOptions) {
    this.ttlMs = opts.ttlMs ?? 10_000;
    this.maxEntries = opts.maxEntries ?? 256;
  }

  getSecretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.cached(`Secret/${namespace}/${name}`, async () => {
      const secret = await this.opts.clients.core.readNamespacedSecret(
        { namespace, name },
        withTimeout(this.opts.timeoutMs),
      );
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {}))
        data[k] = Buffer.from(v, 'base64').toString('utf8');
      Object.assign(data, secret.stringData ?? {});
      return data;
    });
  }

  getConfigMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.cached(`ConfigMap/${namespace}/${name}`, async () => {
      const cm = await this.opts.clients.core.readNamespacedConfigMap(
        { namespace, name },
        withTimeout(this.opts.timeoutMs),
      );
      return { ...(cm.data ?? {}) };
    });
  }

  private async cached(
    key: string,
    read: () => Promise<Record<string, string>>,
  ): Promise<Record<string, string> | undefined> {
    const now = this.opts.clock.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.data;
    let data: Record<string, string> | undefined;
    try {
      data = await read();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      data = undefined;
    }
    this.cache.delete(key);
    this.cache.set(key, { at: now, data });
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    return data;
  }
}
