/**
 * One OutputSink feeding several (the output store and the log). A line counts as dropped when
 * any of them dropped it. Never buffers.
 */
import type { RunIdentity } from '../api/run-identity.ts';
import type { StreamName } from '../runner/frame-parser.ts';
import type { OutputSink } from '../runner/output-sink.ts';

export function teeSink(...sinks: OutputSink[]): OutputSink {
  return {
    line(run: RunIdentity, stream: StreamName, line: string): boolean {
      let kept = true;
      for (const s of sinks) if (s.line(run, stream, line) === false) kept = false;
      return kept;
    },
  };
}
