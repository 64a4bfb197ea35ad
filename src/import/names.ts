/**
 * Kubernetes names for imported objects. Ofelia job names are free text (`Backup DB`,
 * `web.cleanup`, `my_job`); ours are DNS subdomains of at most 52 characters (run names append a
 * timestamp). A name that had to change gets a short stable hash of the original appended, so two
 * Ofelia names that clean up alike (`a_b` and `a-b`) never collide.
 */
import { MAX_JOB_NAME_LENGTH } from '../api/field-rules.ts';
import { stableHash } from '../schedule/index.ts';

export function kubeName(...parts: string[]): string {
  const original = parts.join('-');
  let name = original
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/(^[^a-z0-9]+|[^a-z0-9]+$)/g, '');
  if (name === '') name = 'job';
  if (name === original && name.length <= MAX_JOB_NAME_LENGTH) return name;
  const suffix = (stableHash(original) >>> 0).toString(16).padStart(8, '0').slice(0, 6);
  const room = MAX_JOB_NAME_LENGTH - suffix.length - 1;
  const head = name.slice(0, room).replace(/[^a-z0-9]+$/, '');
  return `${head || 'job'}-${suffix}`;
}
