/**
 * The label source over the in-process stores against the real API server engine (ResourceService,
 * admission, selectors, a Secret's stringData kept as data): what `run --docker-labels` does in
 * embedded mode. A labelled container's job, notifier and Secret are created; an unchanged pass
 * writes nothing; a changed value replaces its Secret; the container's end deletes all three;
 * another owner's and a user's objects are never touched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabelledContainer } from '../../../src/import/label-reader.ts';
import { inProcessLabelStores } from '../../../src/labels/in-process-object-store.ts';
import { LabelSource, ownerFor } from '../../../src/labels/label-source.ts';
import { OWNER_LABEL } from '../../../src/labels/sync-plan.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { AS_USER, inProcessServer } from '../../helpers/in-process-server.ts';

const OWNER = ownerFor('node-a');

function labelled(url: string): LabelledContainer {
  return {
    id: 'c1',
    name: 'shop-web-1',
    labels: {
      'ofelia.enabled': 'true',
      'com.docker.compose.project': 'shop',
      'com.docker.compose.service': 'web',
      'ofelia.job-exec.tick.schedule': '@every 5s',
      'ofelia.job-exec.tick.command': 'echo hi',
      'ofelia.job-exec.tick.slack-webhook': url,
    },
  };
}

test('in-process label stores: created, unchanged, replaced, deleted through the real engine; nothing else touched', async () => {
  const srv = await inProcessServer();
  const kind = (plural: string) =>
    srv.access.kind(
      plural === 'secrets' ? '' : 'ofelia.dev',
      plural === 'secrets' ? 'v1' : 'v1alpha1',
      plural,
    )!;
  // A user's Secret, and another node's, in the same namespace.
  await srv.service.create(
    kind('secrets'),
    'default',
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mine' }, stringData: { k: 'v' } },
    AS_USER,
  );
  await srv.service.create(
    kind('secrets'),
    'default',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'theirs', labels: { [OWNER_LABEL]: ownerFor('node-b') } },
      stringData: { k: 'v' },
    },
    AS_USER,
  );
  let containers = [labelled('https://hooks.slack.com/services/T/B/ONE')];
  const source = new LabelSource({
    listContainers: async () => ({ containers, truncated: false }),
    events: { subscribe: async () => ({ stop() {} }) },
    stores: inProcessLabelStores(srv.access, srv.clock, 'default', OWNER),
    namespace: 'default',
    nodeName: 'node-a',
    resyncMs: 60_000,
    clock: srv.clock,
    log: silentLogger(),
  });
  const names = (plural: string) =>
    srv.service
      .list(kind(plural), 'default', {})
      .items.map((o) => (o.metadata as { name: string }).name)
      .sort();
  const secretUrl = () => {
    const s = srv.service.get(kind('secrets'), 'default', 'shop-web-tick-slack') as { data: { url: string } };
    return Buffer.from(s.data.url, 'base64').toString('utf8');
  };

  await source.start();
  assert.deepEqual(names('scheduleddockerjobs'), ['shop-web-tick']);
  assert.deepEqual(names('jobnotifiers'), ['shop-web-tick-slack']);
  assert.deepEqual(names('secrets'), ['mine', 'shop-web-tick-slack', 'theirs']);
  assert.equal(secretUrl(), 'https://hooks.slack.com/services/T/B/ONE');
  const notifier = srv.service.get(kind('jobnotifiers'), 'default', 'shop-web-tick-slack') as {
    metadata: { managedFields: Array<{ manager: string }> };
  };
  assert.equal(notifier.metadata.managedFields[0]?.manager, 'ofelia-operator');

  const rv = srv.hub.currentResourceVersion();
  await source.resync();
  assert.equal(srv.hub.currentResourceVersion(), rv, 'an unchanged pass writes nothing');

  containers = [labelled('https://hooks.slack.com/services/T/B/TWO')];
  await source.resync();
  assert.equal(secretUrl(), 'https://hooks.slack.com/services/T/B/TWO');
  assert.equal(source.stats.replaced, 1);

  containers = [];
  await source.resync();
  await source.stop();
  assert.deepEqual(names('scheduleddockerjobs'), []);
  assert.deepEqual(names('jobnotifiers'), []);
  assert.deepEqual(names('secrets'), ['mine', 'theirs'], "a user's and another node's Secrets stay");
});
