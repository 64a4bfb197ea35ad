/**
 * A cancellable sleep on a Clock, for waits that must not outlive their purpose.
 */
import type { Clock } from '../util/clock.ts';

export interface Sleep {
  promise: Promise<void>;
  cancel(): void;
}

export function sleep(clock: Clock, ms: number): Sleep {
  let done: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    done = resolve;
  });
  const handle = clock.setTimeout(done, ms);
  return {
    promise,
    cancel: () => {
      clock.clearTimeout(handle);
      done();
    },
  };
}
