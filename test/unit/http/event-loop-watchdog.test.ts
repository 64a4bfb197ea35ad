import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoopWatchdog } from '../../../src/http/index.ts';

function blockLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Busy on purpose: this is the stall the watchdog must see.
  }
}

/** Lets the delay monitor take a sample after the loop runs again. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 60));

test('a stalled event loop fails the check, naming the delay', async () => {
  const watchdog = new EventLoopWatchdog({ stallThresholdMs: 150, windowMs: 60_000 });
  try {
    await tick();
    blockLoop(400);
    await tick();
    assert.ok(watchdog.worstDelayMs() > 150, `worst delay ${watchdog.worstDelayMs()} ms`);
    assert.throws(() => watchdog.check(), /event loop stalled: \d+ ms delay \(threshold 150 ms\)/);
  } finally {
    watchdog.stop();
  }
});

test('a loop that keeps turning passes', async () => {
  const watchdog = new EventLoopWatchdog({ stallThresholdMs: 5_000, windowMs: 60_000 });
  try {
    await tick();
    assert.doesNotThrow(() => watchdog.check());
  } finally {
    watchdog.stop();
  }
});
