/**
 * Named volumes (spec.run.volumes[].type: volume): a job mounts its namespace's volumes
 * (`<namespace>_<name>`; `_` never occurs in a namespace, so no namespace can claim another's) or
 * those the operator allows with --allow-volume; and never a volume whose driver options bind a
 * host path or device (local driver with o=bind, type=none or an absolute device), which would
 * bypass the bind-mount prefixes. A volume that does not exist yet is created empty by Docker.
 */
import { VOLUME_NAMESPACE_SEPARATOR } from '../../../api/security-policy.ts';
import { deny } from '../decision.ts';
import type { VolumeFacts } from '../facts.ts';
import { matchesAny } from '../patterns.ts';
import type { PolicyRule } from './rule.ts';

export const namedVolumeRule: PolicyRule = {
  name: 'named volumes',
  usesFacts: true,
  check({ spec, namespace, policy, facts }) {
    const volumes = spec.run?.volumes ?? [];
    for (let i = 0; i < volumes.length; i++) {
      const v = volumes[i]!;
      if (v.type === 'bind') continue;
      const field = `spec.run.volumes[${i}].source`;
      const own = `${namespace}${VOLUME_NAMESPACE_SEPARATOR}`;
      if (!v.source.startsWith(own) && !matchesAny(v.source, policy.allowedVolumes)) {
        return deny(
          field,
          'VolumeNotAllowed',
          `volume "${v.source}" (a job may mount volumes named ${own}* and those of the operator's --allow-volume) is not allowed`,
        );
      }
      if (!facts.volumes.has(v.source)) {
        return deny(field, 'VolumeUnchecked', `volume "${v.source}" (not looked up) is not allowed`);
      }
      const found = facts.volumes.get(v.source);
      if (found && bindsHostPath(found)) {
        return deny(
          field,
          'HostPathVolume',
          `volume "${v.source}" binds a host path or device through its driver options; mounting it is not allowed`,
        );
      }
    }
    return undefined;
  },
};

/** Whether a volume's driver options make it a host path or device in disguise. */
export function bindsHostPath(volume: VolumeFacts): boolean {
  if (volume.driver !== 'local' && volume.driver !== '') return false;
  const o = volume.options;
  const mountOptions = (o.o ?? '').split(',').map((s) => s.trim());
  if (mountOptions.includes('bind') || mountOptions.includes('rbind')) return true;
  if (o.type === 'none') return true;
  return (o.device ?? '').startsWith('/');
}
