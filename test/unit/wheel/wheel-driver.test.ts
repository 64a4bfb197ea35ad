import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WheelDriver } from '../../../src/wheel/wheel-driver.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const start = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const DAY = 86_400_000;

function setup(options: { maxTimerDelayMs?: number } = {}) {
  const clock = new FakeClock(start);
  const fired: { value: string; due: number; at: number }[] = [];
  const driver = new WheelDriver<string>(
    clock,
    (value, due) => fired.push({ value, due, at: clock.now() }),
    options,
  );
  return { clock, driver, fired };
}

test('driver: idle means no timer at all', () => {
  const { clock, driver } = setup();
  assert.equal(clock.pending, 0);
  assert.equal(driver.armedFor, undefined);
});

const armCases: { name: string; dues: number[]; wantPending: number }[] = [
  { name: 'one entry: one timer', dues: [start + MINUTE], wantPending: 1 },
  {
    name: '1,000 entries: still one timer',
    dues: Array.from({ length: 1000 }, (_, i) => start + 1000 + i * 997),
    wantPending: 1,
  },
  {
    name: 'earlier entries added later re-arm, still one timer',
    dues: [start + DAY, start + MINUTE, start + 5],
    wantPending: 1,
  },
];
for (const c of armCases) {
  test(`driver arms one timer only: ${c.name}`, () => {
    const { clock, driver } = setup();
    for (const [i, due] of c.dues.entries()) driver.schedule(due, `e${i}`);
    assert.equal(clock.pending, c.wantPending);
    assert.ok(driver.armedFor! <= Math.min(...c.dues));
  });
}

test('driver: fires each entry at its due time, in order', () => {
  const { clock, driver, fired } = setup();
  driver.schedule(start + 3 * MINUTE, 'c');
  driver.schedule(start + MINUTE + 17, 'a');
  driver.schedule(start + 2 * MINUTE, 'b');
  clock.advance(10 * MINUTE);
  assert.deepEqual(
    fired.map((f) => f.value),
    ['a', 'b', 'c'],
  );
  for (const f of fired) assert.equal(f.at, f.due, `${f.value} fired at its due time`);
  assert.equal(clock.pending, 0, 'idle again');
});

test('driver: callbacks may schedule and cancel while firing', () => {
  const clock = new FakeClock(start);
  const seen: string[] = [];
  const handles = new Map<string, ReturnType<WheelDriver<string>['schedule']>>();
  const driver: WheelDriver<string> = new WheelDriver<string>(clock, (value, due) => {
    seen.push(value);
    if (value === 'a') {
      driver.cancel(handles.get('b')!);
      driver.schedule(due + 5, 'a2');
    }
    if (value === 'tick' && seen.filter((v) => v === 'tick').length < 3)
      driver.schedule(due + MINUTE, 'tick');
  });
  handles.set('a', driver.schedule(start + 10, 'a'));
  handles.set('b', driver.schedule(start + 10, 'b'));
  driver.schedule(start + 20, 'tick');
  clock.advance(DAY);
  assert.deepEqual(seen, ['a', 'a2', 'tick', 'tick', 'tick']);
  assert.equal(clock.pending, 0);
});

test('driver: a throwing callback is reported and the batch goes on', () => {
  const clock = new FakeClock(start);
  const errors: unknown[] = [];
  const seen: string[] = [];
  const driver = new WheelDriver<string>(
    clock,
    (value) => {
      seen.push(value);
      if (value === 'bad') throw new Error('boom');
    },
    { onError: (error) => errors.push(error) },
  );
  driver.schedule(start + 1, 'bad');
  driver.schedule(start + 1, 'good');
  clock.advance(10);
  assert.deepEqual(seen, ['bad', 'good']);
  assert.equal(errors.length, 1);
});

test('driver: delays beyond setTimeout limit are capped and re-armed', () => {
  const { clock, driver, fired } = setup({ maxTimerDelayMs: DAY });
  driver.schedule(start + 10 * DAY + 5, 'far');
  assert.equal(driver.armedFor, start + DAY);
  clock.advance(10 * DAY + 4);
  assert.equal(fired.length, 0);
  assert.equal(clock.pending, 1);
  clock.advance(1);
  assert.deepEqual(
    fired.map((f) => f.at - start),
    [10 * DAY + 5],
  );
});

test('driver: the default cap is 2^31-1 ms', () => {
  const { driver } = setup();
  driver.schedule(start + 400 * DAY, 'next-year');
  assert.ok(driver.armedFor! - start <= 2 ** 31 - 1);
});

test('driver: clock jumps forward, everything due fires once', () => {
  const { clock, driver, fired } = setup();
  for (let i = 1; i <= 100; i++) driver.schedule(start + i * MINUTE, `m${i}`);
  clock.set(start + 50 * MINUTE + 30_000);
  clock.advance(0);
  // The fake clock only fires the one armed timer if it is due; the driver then drains the wheel.
  assert.equal(fired.length, 50);
  assert.equal(new Set(fired.map((f) => f.value)).size, 50);
  clock.advance(DAY);
  assert.equal(fired.length, 100);
});

test('driver: clock jumps backwards, nothing fires early', () => {
  const { clock, driver, fired } = setup();
  driver.schedule(start + 10 * MINUTE, 'a');
  clock.advance(5 * MINUTE);
  clock.set(start - 60 * MINUTE); // NTP step back an hour
  driver.schedule(start - 30 * MINUTE, 'b'); // due before the wheel's time, after the clock's
  clock.advance(0);
  assert.equal(fired.length, 0);
  clock.advance(30 * MINUTE - 1);
  assert.equal(fired.length, 0);
  clock.advance(1);
  assert.deepEqual(
    fired.map((f) => f.value),
    ['b'],
  );
  clock.advance(40 * MINUTE);
  assert.deepEqual(
    fired.map((f) => [f.value, f.at === f.due]),
    [
      ['b', true],
      ['a', true],
    ],
  );
});

test('driver: cancelling the last entry disarms; cancel after firing is a no-op', () => {
  const { clock, driver } = setup();
  const a = driver.schedule(start + MINUTE, 'a');
  assert.equal(clock.pending, 1);
  assert.equal(driver.cancel(a), true);
  assert.equal(clock.pending, 0);
  const b = driver.schedule(start + 2 * MINUTE, 'b');
  clock.advance(3 * MINUTE);
  assert.equal(driver.cancel(b), false);
  assert.equal(driver.cancel(a), false);
});

test('driver: stop disarms and nothing fires afterwards', () => {
  const { clock, driver, fired } = setup();
  driver.schedule(start + MINUTE, 'a');
  driver.stop();
  assert.equal(clock.pending, 0);
  driver.schedule(start + 2 * MINUTE, 'b');
  assert.equal(clock.pending, 0);
  clock.advance(DAY);
  assert.equal(fired.length, 0);
});

test('driver: wake-ups stay few (cascades only), not one per millisecond', () => {
  const { clock, driver, fired } = setup();
  for (let i = 0; i < 1000; i++) driver.schedule(start + 1000 + ((i * 7919) % DAY), `e${i}`);
  clock.advance(DAY + 1000);
  assert.equal(fired.length, 1000);
  assert.ok(driver.timerFirings < 3000, `${driver.timerFirings} wake-ups`);
});

test('driver: an add that makes a far slot big re-arms for draining it ahead; all still fire on time', () => {
  const clock = new FakeClock(start);
  const fired: { value: string; due: number; at: number }[] = [];
  // K=16: slots of more than one entry are drained ahead of time.
  const driver = new WheelDriver<string>(clock, (value, due) => fired.push({ value, due, at: clock.now() }), {
    maxMovesPerAdvance: 16,
  });
  driver.schedule(start + 2 * DAY, 'a');
  const armedForOne = driver.armedFor!;
  driver.schedule(start + 2 * DAY + 1, 'b'); // later than the armed time, same far slot
  assert.ok(driver.armedFor! < armedForOne, 'woken earlier, to drain the slot before it is due');
  assert.ok(driver.armedFor! > start);
  for (let i = 0; i < 200; i++) driver.schedule(start + 2 * DAY + 2 + i * 1000, `c${i}`);
  clock.advance(3 * DAY);
  assert.equal(fired.length, 202);
  for (const f of fired) assert.equal(f.at, f.due, `${f.value} fired at its due time`);
  assert.equal(clock.pending, 0);
});
