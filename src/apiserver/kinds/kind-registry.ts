/**
 * The kinds one server serves, looked up by URL (group, version, plural) or by storage key, and
 * grouped by group/version for discovery and OpenAPI. Built once at start; immutable.
 */
import { keyPrefix, type ResourceKind } from './kind.ts';

export class KindRegistry {
  private readonly byPath = new Map<string, ResourceKind>();
  private readonly byPrefix = new Map<string, ResourceKind>();

  constructor(readonly kinds: readonly ResourceKind[]) {
    for (const k of kinds) {
      this.byPath.set(`${k.group}/${k.version}/${k.plural}`, k);
      this.byPrefix.set(keyPrefix(k), k);
    }
  }

  lookup(group: string, version: string, plural: string): ResourceKind | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** The kind a storage key belongs to. */
  forKey(key: string): ResourceKind | undefined {
    const second = key.indexOf('/', key.indexOf('/') + 1);
    return second < 0 ? undefined : this.byPrefix.get(key.slice(0, second + 1));
  }

  /** Group versions served, each with its kinds, in registration order. */
  groupVersions(): { group: string; version: string; kinds: ResourceKind[] }[] {
    const out: { group: string; version: string; kinds: ResourceKind[] }[] = [];
    for (const k of this.kinds) {
      let gv = out.find((g) => g.group === k.group && g.version === k.version);
      if (!gv) {
        gv = { group: k.group, version: k.version, kinds: [] };
        out.push(gv);
      }
      gv.kinds.push(k);
    }
    return out;
  }

  /** The kinds served under one group/version, or undefined when it is not served. */
  groupVersion(
    group: string,
    version: string,
  ): { group: string; version: string; kinds: ResourceKind[] } | undefined {
    return this.groupVersions().find((g) => g.group === group && g.version === version);
  }
}
