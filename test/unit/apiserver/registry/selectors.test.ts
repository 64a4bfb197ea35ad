import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../../../src/apiserver/registry/selectors.ts';
import { ApiError } from '../../../../src/apiserver/status-errors.ts';

const labels = { app: 'backup', tier: 'db', 'ofelia.dev/job': 'x' };

const labelCases: { selector: string; labels: Record<string, string> | undefined; want: boolean }[] = [
  { selector: '', labels, want: true },
  { selector: 'app=backup', labels, want: true },
  { selector: 'app==backup', labels, want: true },
  { selector: 'app=other', labels, want: false },
  { selector: 'app!=other', labels, want: true },
  { selector: 'app!=backup', labels, want: false },
  { selector: 'missing!=x', labels, want: true },
  { selector: 'app in (backup, report)', labels, want: true },
  { selector: 'app in (report)', labels, want: false },
  { selector: 'app notin (report)', labels, want: true },
  { selector: 'app notin (backup,report)', labels, want: false },
  { selector: 'missing notin (a)', labels, want: true },
  { selector: 'tier', labels, want: true },
  { selector: 'missing', labels, want: false },
  { selector: '!missing', labels, want: true },
  { selector: '!tier', labels, want: false },
  { selector: 'app=backup,tier=db', labels, want: true },
  { selector: 'app=backup,tier=web', labels, want: false },
  { selector: 'app in (backup),!missing,tier', labels, want: true },
  { selector: 'ofelia.dev/job=x', labels, want: true },
  { selector: 'app=backup', labels: undefined, want: false },
  { selector: '!app', labels: undefined, want: true },
  { selector: 'app=', labels: { app: '' }, want: true },
];

for (const c of labelCases) {
  test(`label selector ${JSON.stringify(c.selector)} on ${JSON.stringify(c.labels)} -> ${c.want}`, () => {
    assert.equal(matchesLabels(parseLabelSelector(c.selector), c.labels), c.want);
  });
}

for (const bad of ['app in (a', '=x', 'a b c', 'UPPER_/x=y', 'app=bad value!', 'a in ()x']) {
  test(`label selector ${JSON.stringify(bad)} is a 400`, () => {
    assert.throws(
      () => parseLabelSelector(bad),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest',
    );
  });
}

const fields = { 'metadata.name': 'backup', 'metadata.namespace': 'ops', 'involvedObject.uid': '' };
const fieldCases: { selector: string; want: boolean }[] = [
  { selector: 'metadata.name=backup', want: true },
  { selector: 'metadata.name==backup', want: true },
  { selector: 'metadata.name=other', want: false },
  { selector: 'metadata.name!=other', want: true },
  { selector: 'metadata.name=backup,metadata.namespace=ops', want: true },
  { selector: 'metadata.name=backup,metadata.namespace!=ops', want: false },
  { selector: 'involvedObject.uid=', want: true },
];

for (const c of fieldCases) {
  test(`field selector ${JSON.stringify(c.selector)} -> ${c.want}`, () => {
    const reqs = parseFieldSelector(c.selector, Object.keys(fields));
    assert.equal(
      matchesFields(reqs, (f) => fields[f as keyof typeof fields]),
      c.want,
    );
  });
}

test('field selector on an unknown field is a 400 naming the field', () => {
  assert.throws(
    () => parseFieldSelector('spec.schedule=x', ['metadata.name']),
    (e: unknown) => e instanceof ApiError && e.code === 400 && e.message.includes('"spec.schedule"'),
  );
});
