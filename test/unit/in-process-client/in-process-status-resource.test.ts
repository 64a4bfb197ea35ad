/**
 * The notifier controller's JobNotifier calls in-process against the API server's real engine:
 * the list, the informer (add, then a status write seen as an update), and status merge patches
 * under the operator's field manager, managedFields never handed out.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { NOTIFIER_PLURAL } from '../../../src/api/notifier-schema.ts';
import { GROUP, VERSION } from '../../../src/api/schema.ts';
import { FIELD_MANAGER } from '../../../src/in-process-client/in-process-calls.ts';
import { inProcessStatusResource } from '../../../src/in-process-client/in-process-status-resource.ts';
import { isNotFound } from '../../../src/kube/api-errors.ts';
import {
  type NotifierApi,
  type NotifierObject,
  type NotifierStatusPatch,
  notifiersPath,
} from '../../../src/notify/notifier-api.ts';
import { AS_USER, type InProcessServer, inProcessServer } from '../../helpers/in-process-server.ts';
import { settle } from '../../helpers/wait.ts';

let server: InProcessServer;
let api: NotifierApi;
const kind = () => server.kinds.lookup(GROUP, VERSION, NOTIFIER_PLURAL)!;

beforeEach(async () => {
  server = await inProcessServer();
  // The notifier controller's contract, met by the generic in-process resource.
  api = inProcessStatusResource<NotifierObject, NotifierStatusPatch>({
    access: server.access,
    clock: server.clock,
    group: GROUP,
    version: VERSION,
    plural: NOTIFIER_PLURAL,
  });
});

const create = (namespace: string, name: string) =>
  server.service.create(
    kind(),
    namespace,
    {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'JobNotifier',
      metadata: { name },
      spec: { type: 'slack', address: 'https://hooks.slack.test/T/B/x' },
    },
    AS_USER,
  );

test('list: one namespace or all, managedFields dropped', async () => {
  await create('ops', 'a');
  await create('default', 'b');
  const all = await api.list()();
  assert.equal(all.kind, 'JobNotifierList');
  assert.deepEqual(all.items.map((o) => o.metadata?.name).sort(), ['a', 'b']);
  assert.ok(all.items.every((o) => o.metadata?.managedFields === undefined));
  assert.deepEqual(
    (await api.list('ops')()).items.map((o) => o.metadata?.name),
    ['a'],
  );
});

test('patchStatus writes the status subresource as the operator; the informer hears it as an update', async () => {
  await create('ops', 'a');
  let listed = 0;
  const informer = api.informerFactory(notifiersPath('ops'), api.list('ops'), () => listed++);
  const seen: string[] = [];
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.status?.counters?.delivered}`));
  await informer.start();
  await settle();
  assert.equal(listed, 1);
  assert.deepEqual(seen, ['add a']);

  await api.patchStatus('ops', 'a', {
    counters: { delivered: 2, failed: 0, dropped: 0, suppressed: 0 },
    lastError: null,
  });
  await settle();
  assert.deepEqual(seen, ['add a', 'update a 2']);
  const stored = server.service.get(kind(), 'ops', 'a');
  const managers = (stored.metadata as { managedFields?: { manager: string; subresource?: string }[] })
    .managedFields;
  assert.ok(managers?.some((m) => m.manager === FIELD_MANAGER && m.subresource === 'status'));
  assert.equal(informer.get('a', 'ops')?.metadata?.managedFields, undefined);
  await informer.stop();
});

test('patchStatus of a missing notifier is the server 404', async () => {
  await assert.rejects(api.patchStatus('ops', 'gone', { lastError: null }), isNotFound);
});
