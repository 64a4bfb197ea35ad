/**
 * The Secrets an import writes (env-file variables, notification addresses and credentials), by
 * name. Secret values are written only with --include-secrets; without it their keys are listed
 * with empty values and the Secret carries a note saying so. Values that are not secret (an SMTP
 * user name) are always written.
 */
import { kubeName } from './names.ts';
import { IMPORT_LABEL } from './object-labels.ts';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
};

export const IMPORT_NOTE_ANNOTATION = 'ofelia.dev/import-note';

export class SecretBook {
  private readonly secrets = new Map<string, { data: Record<string, string>; withheld: boolean }>();

  constructor(
    private readonly opts: {
      namespace: string;
      origin: string;
      includeSecrets: boolean;
      scopeLabels?: Readonly<Record<string, string>>;
    },
  ) {}

  /** True when secret values are left out of the Secrets. */
  get withholding(): boolean {
    return !this.opts.includeSecrets;
  }

  /** The Secret of that name (made a Kubernetes name), created empty when new; returns the name. */
  ensure(name: string): string {
    const secretName = kubeName(name);
    if (!this.secrets.has(secretName)) this.secrets.set(secretName, { data: {}, withheld: false });
    return secretName;
  }

  /** Adds a key; a secret value is left empty unless --include-secrets. Returns the Secret's name. */
  put(name: string, key: string, value: string, secret = true): string {
    const secretName = this.ensure(name);
    const entry = this.secrets.get(secretName)!;
    const withheld = secret && !this.opts.includeSecrets;
    entry.data[key] = withheld ? '' : value;
    if (withheld) entry.withheld = true;
    return secretName;
  }

  /** Marks a Secret whose values the user must fill in (an env file that could not be read). */
  markWithheld(name: string): string {
    const secretName = this.ensure(name);
    this.secrets.get(secretName)!.withheld = true;
    return secretName;
  }

  objects(): KubeObject[] {
    return [...this.secrets].map(([name, { data, withheld }]) => {
      const metadata: KubeObject['metadata'] = {
        name,
        namespace: this.opts.namespace,
        labels: { ...this.opts.scopeLabels, [IMPORT_LABEL]: this.opts.origin },
      };
      if (withheld) {
        metadata.annotations = {
          [IMPORT_NOTE_ANNOTATION]: 'values left out: fill them in, or import again with --include-secrets',
        };
      }
      return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', stringData: data };
    });
  }
}
