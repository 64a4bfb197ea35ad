/**
 * Bind mounts (spec.run.volumes[].type: bind): the source must be an absolute path without `..`
 * under an allowed prefix, and so must the path it really leads to on the host, with every
 * symlink resolved (a job with write access could have planted one, e.g. `ln -s /etc
 * allowed/escape`, for a later job to mount). Under a read-only prefix (--allow-bind-prefix) the
 * mount must say readOnly: true; read-write needs --allow-bind-prefix-rw. The runner then mounts the
 * resolved path, not the one written in the spec.
 */
import path from 'node:path';
import { deny } from '../decision.ts';
import type { PolicyRule } from './rule.ts';

export const bindMountRule: PolicyRule = {
  name: 'bind mounts',
  usesFacts: true,
  check({ spec, policy, facts }) {
    const volumes = spec.run?.volumes ?? [];
    const all = [...policy.allowedBindPrefixesReadWrite, ...policy.allowedBindPrefixes];
    const resolvedOf = (p: string): string => facts.resolvedPrefixes.get(p) ?? p;
    for (let i = 0; i < volumes.length; i++) {
      const v = volumes[i]!;
      if (v.type !== 'bind') continue;
      const field = `spec.run.volumes[${i}].source`;
      if (!bindAllowed(v.source, all)) {
        const allowed = all.length ? `allowed prefixes: ${all.join(', ')}` : 'no bind mounts are allowed';
        return deny(field, 'BindMountNotAllowed', `bind mount of "${v.source}" is not allowed (${allowed})`);
      }
      const fact = facts.bindSources.get(v.source);
      if (!fact)
        return deny(
          field,
          'BindSourceUnchecked',
          `bind mount of "${v.source}" (not resolved on the host) is not allowed`,
        );
      if ('error' in fact) {
        const why =
          fact.error === 'NotFound' ? 'does not exist on the host' : `cannot be resolved (${fact.detail})`;
        return deny(
          field,
          fact.error === 'NotFound' ? 'BindSourceNotFound' : 'BindSourceUnresolvable',
          `bind mount of "${v.source}", which ${why}, is not allowed`,
        );
      }
      const real = fact.resolved;
      if (underAnyPrefix(real, policy.allowedBindPrefixesReadWrite.map(resolvedOf))) continue;
      if (underAnyPrefix(real, policy.allowedBindPrefixes.map(resolvedOf))) {
        if (v.readOnly === true) continue;
        return deny(
          `spec.run.volumes[${i}].readOnly`,
          'BindMountReadOnly',
          `must be true: "${v.source}" is under a read-only prefix (read-write needs the operator's --allow-bind-prefix-rw); a writable bind mount is not allowed`,
        );
      }
      return deny(
        field,
        'BindSourceEscapes',
        `"${v.source}" leads to "${real}" on the host (through a symlink), outside the allowed prefixes; mounting it is not allowed`,
      );
    }
    return undefined;
  },
};

/** Whether `source` is an absolute, normalized path under one of the prefixes (on a path boundary). */
export function bindAllowed(source: string, prefixes: readonly string[]): boolean {
  if (!path.isAbsolute(source)) return false;
  // Refuse '..' outright rather than trusting normalization to say what the daemon will mount.
  if (source.split('/').includes('..')) return false;
  return underAnyPrefix(path.posix.normalize(source), prefixes);
}

function underAnyPrefix(normalized: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => {
    const prefix = path.posix.normalize(p).replace(/\/+$/, '');
    if (prefix === '') return true; // "/" allows everything: an explicit choice of the operator
    return normalized === prefix || normalized.startsWith(`${prefix}/`);
  });
}
