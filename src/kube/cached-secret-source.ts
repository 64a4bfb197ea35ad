/**
 * The runner's and the notifiers' SecretSource over the API: Secrets and ConfigMaps of a
 * namespace, read through `reads` (HTTPS: kube-secret-source.ts; in-process:
 * src/in-process-client) and kept in a short cache (default 10 s, at most 256 objects) so that a
 * job firing every second does not read its Secret every second. A missing object (404) is cached
 * too. Values are returned decoded and never logged.
 */
import type { SecretSource } from '../runner/secret-source.ts';
import type { Clock } from '../util/clock.ts';
import { isNotFound } from './api-errors.ts';

/** A Secret or ConfigMap as read: `data` (base64 for a Secret) and a Secret's `stringData`. */
export interface SecretLike {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The two reads a SecretSource makes; each bounded by a timeout, 404 for a missing object. */
export interface SecretReads {
  readSecret(namespace: string, name: string): Promise<SecretLike>;
  readConfigMap(namespace: string, name: string): Promise<SecretLike>;
}

export interface CachedSecretSourceOptions {
  reads: SecretReads;
  clock: Clock;
  ttlMs?: number;
  maxEntries?: number;
}

interface CacheEntry {
  at: number;
  data: Record<string, string> | undefined;
}

export class CachedSecretSource implements SecretSource {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly opts: CachedSecretSourceOptions) {
    this.ttlMs = opts.ttlMs ?? 10_000;
    this.maxEntries = opts.maxEntries ?? 256;
  }

  getSecretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.cached(`Secret/${namespace}/${name}`, async () => {
      const secret = await this.opts.reads.readSecret(namespace, name);
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {}))
        data[k] = Buffer.from(v, 'base64').toString('utf8');
      Object.assign(data, secret.stringData ?? {});
      return data;
    });
  }

  getConfigMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.cached(`ConfigMap/${namespace}/${name}`, async () => {
      const cm = await this.opts.reads.readConfigMap(namespace, name);
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
