/**
 * The label source's stores in-process against the embedded API server (object-store.ts):
 * embedded mode's default, so `--docker-labels` loads no client-node either.
 */
import { NOTIFIER_PLURAL } from '../api/notifier-schema.ts';
import { GROUP, PLURAL, VERSION } from '../api/schema.ts';
import type { InProcessAccess } from '../apiserver/index.ts';
import { type InProcessObjects, inProcessObjects } from '../in-process-client/in-process-objects.ts';
import type { Clock } from '../util/clock.ts';
import { type LabelObjectStore, type LabelStores, ownerSelector, replacedMetadata } from './object-store.ts';
import type { ExistingObject } from './sync-plan.ts';

export function inProcessLabelStores(
  access: InProcessAccess,
  clock: Clock,
  namespace: string,
  owner: string,
): LabelStores {
  const of = (group: string, version: string, plural: string) =>
    store(inProcessObjects({ access, clock, group, version, plural, namespace }), owner);
  return {
    secrets: of('', 'v1', 'secrets'),
    notifiers: of(GROUP, VERSION, NOTIFIER_PLURAL),
    jobs: of(GROUP, VERSION, PLURAL),
  };
}

function store(objects: InProcessObjects, owner: string): LabelObjectStore {
  return {
    list: async () => (await objects.list(ownerSelector(owner))) as unknown as ExistingObject[],
    create: (object) => objects.create(object),
    // Conditional on the listed resourceVersion: a change made meanwhile is a 409, and the pass
    // is retried, as over HTTPS.
    replace: (object, existing) =>
      objects.replace(object.metadata.name, { ...object, metadata: replacedMetadata(object, existing) }),
    delete: (name) => objects.delete(name),
  };
}
