/**
 * The embedded API server's engine without HTTP, for unit tests of the in-process clients: the
 * real ResourceService, WatchHub and served kinds over a MemoryObjectStore, namespaces `default`
 * and `ops`, a fake clock, and the InProcessAccess the operator gets.
 */
import { type InProcessAccess, inProcessAccess } from '../../src/apiserver/in-process.ts';
import { defaultKinds } from '../../src/apiserver/kinds/served-kinds.ts';
import { ResourceService, type WriteOptions } from '../../src/apiserver/registry/resource-service.ts';
import { WatchHub } from '../../src/apiserver/watch/watch-hub.ts';
import { FakeClock } from './fake-clock.ts';
import { MemoryObjectStore } from './memory-object-store.ts';

/** Writes made as a user with kubectl would (not as the operator). */
export const AS_USER: WriteOptions = { dryRun: false, fieldManager: 'kubectl', fieldValidation: 'Strict' };

export interface InProcessServer {
  store: MemoryObjectStore;
  service: ResourceService;
  hub: WatchHub;
  clock: FakeClock;
  access: InProcessAccess;
  kinds: ReturnType<typeof defaultKinds>;
}

export async function inProcessServer(): Promise<InProcessServer> {
  const kinds = defaultKinds();
  const store = new MemoryObjectStore();
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const hub = new WatchHub(store, kinds, 8);
  const service = new ResourceService(store, hub, kinds, clock);
  await service.ensureNamespaces(['default', 'ops']);
  return { store, service, hub, clock, access: inProcessAccess(service, hub, kinds), kinds };
}
