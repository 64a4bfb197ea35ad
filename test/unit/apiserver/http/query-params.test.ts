import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boolParam, secondsParam } from '../../../../src/apiserver/http/query-params.ts';
import { effectiveWatchTimeoutMs } from '../../../../src/apiserver/http/rest-handler.ts';
import { ApiError } from '../../../../src/apiserver/status-errors.ts';

// Go's strconv.ParseBool, which every Kubernetes client was written against.
const bools: { raw: string | null; want: boolean | 'error' }[] = [
  { raw: null, want: false },
  { raw: '', want: false },
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((raw) => ({ raw, want: true as const })),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((raw) => ({ raw, want: false as const })),
  ...['yes', 'tRUE', 'on', '2', ' true'].map((raw) => ({ raw, want: 'error' as const })),
];
for (const c of bools) {
  test(`boolParam: watch=${JSON.stringify(c.raw)} -> ${c.want}`, () => {
    const q = new URLSearchParams(c.raw === null ? '' : `watch=${encodeURIComponent(c.raw)}`);
    if (c.want === 'error') {
      assert.throws(
        () => boolParam(q, 'watch'),
        (e) => e instanceof ApiError && e.code === 400 && /^watch: Invalid value/.test(e.message),
      );
    } else assert.equal(boolParam(q, 'watch'), c.want);
  });
}

const seconds: { raw: string; want: number | undefined | 'error' }[] = [
  { raw: '', want: undefined },
  { raw: '0', want: 0 },
  { raw: '300', want: 300 },
  { raw: '-1', want: 'error' },
  { raw: '1.5', want: 'error' },
  { raw: 'abc', want: 'error' },
];
for (const c of seconds) {
  test(`secondsParam: timeoutSeconds=${JSON.stringify(c.raw)} -> ${c.want}`, () => {
    const q = new URLSearchParams({ timeoutSeconds: c.raw });
    if (c.want === 'error')
      assert.throws(
        () => secondsParam(q, 'timeoutSeconds'),
        (e) => e instanceof ApiError && e.code === 400,
      );
    else assert.equal(secondsParam(q, 'timeoutSeconds'), c.want);
  });
}

const CAP_MS = 1800_000;
const timeouts: {
  name: string;
  requested: number | undefined;
  capMs: number;
  random: number;
  want: number;
}[] = [
  { name: 'a request within the cap is honoured', requested: 300, capMs: CAP_MS, random: 0.9, want: 300_000 },
  { name: 'exactly the cap is honoured', requested: 1800, capMs: CAP_MS, random: 0.9, want: 1800_000 },
  { name: 'none asked: random, low end', requested: undefined, capMs: CAP_MS, random: 0, want: 900_000 },
  {
    name: 'none asked: random, high end',
    requested: undefined,
    capMs: CAP_MS,
    random: 0.999999,
    want: 1799_999,
  },
  { name: 'zero means none', requested: 0, capMs: CAP_MS, random: 0.5, want: 1350_000 },
  {
    name: 'more than the cap: capped and randomised',
    requested: 86_400,
    capMs: CAP_MS,
    random: 0.5,
    want: 1350_000,
  },
  {
    name: 'a configured cap above 1800 s is held to 1800 s',
    requested: 3600,
    capMs: 7200_000,
    random: 1 - 1e-9,
    want: 1800_000,
  },
  { name: 'a smaller configured cap', requested: 120, capMs: 60_000, random: 0, want: 30_000 },
];
for (const c of timeouts) {
  test(`watch timeout: ${c.name}`, () => {
    assert.equal(
      effectiveWatchTimeoutMs(c.requested, c.capMs, () => c.random),
      c.want,
    );
  });
}
