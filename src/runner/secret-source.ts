/**
 * Where a run reads Secrets and ConfigMaps of its job's namespace (env `valueFrom`,
 * `imagePullSecrets`). The controller provides the one backed by the API server; `StaticSecretSource`
 * holds objects given up front (run-once reads them from the manifest file, tests build them).
 * Values are returned decoded (a Secret's base64 `data` is decoded, `stringData` taken as is).
 */

export interface SecretSource {
  /** The Secret's data, decoded; undefined when it does not exist. */
  getSecretData(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The ConfigMap's data; undefined when it does not exist. */
  getConfigMapData(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** A Secret or ConfigMap manifest, as much of it as is read here. */
export interface SecretLikeObject {
  kind: string;
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export class StaticSecretSource implements SecretSource {
  private readonly secrets = new Map<string, Record<string, string>>();
  private readonly configMaps = new Map<string, Record<string, string>>();

  /** Objects without a namespace go to `defaultNamespace`. Non Secret/ConfigMap kinds are ignored. */
  constructor(objects: SecretLikeObject[] = [], defaultNamespace = 'default') {
    for (const o of objects) {
      const name = o.metadata?.name;
      if (!name) continue;
      const key = `${o.metadata?.namespace ?? defaultNamespace}/${name}`;
      if (o.kind === 'Secret') {
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(o.data ?? {}))
          data[k] = Buffer.from(v, 'base64').toString('utf8');
        Object.assign(data, o.stringData ?? {});
        this.secrets.set(key, data);
      } else if (o.kind === 'ConfigMap') {
        this.configMaps.set(key, { ...(o.data ?? {}) });
      }
    }
  }

  async getSecretData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.secrets.get(`${namespace}/${name}`);
  }

  async getConfigMapData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.configMaps.get(`${namespace}/${name}`);
  }
}
