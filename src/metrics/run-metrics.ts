/**
 * Metrics of runs. No job or namespace label: their number is the users' to choose (unbounded
 * cardinality); per-job counts live in each job's status (status.counters, recentRuns). Labels
 * here are fixed sets: `result` (the nine RunResults), `kind` (run|exec), `stream`, `daemon` (the
 * operator's own configured daemons). Runs in progress are counted once, by the dispatcher:
 * `ofelia_active_runs` (scheduler-metrics.ts).
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export type RunKind = 'run' | 'exec';

export class RunMetrics {
  readonly runs: Counter<'result' | 'kind'>;
  readonly duration: Histogram<'result' | 'kind'>;
  readonly outputBytes: Counter<'stream'>;
  readonly pulls: Counter<'daemon' | 'result'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.runs = new Counter({
      name: 'ofelia_runs_total',
      help: 'Finished runs by result (Succeeded, Failed, DeadlineExceeded, Cancelled, ...) and kind (run|exec).',
      labelNames: ['result', 'kind'] as const,
      registers,
    });
    this.duration = new Histogram({
      name: 'ofelia_run_duration_seconds',
      help: 'Wall time of a run, from the start of its first Docker call to its record.',
      labelNames: ['result', 'kind'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers,
    });
    this.outputBytes = new Counter({
      name: 'ofelia_run_output_bytes_total',
      help: 'Bytes of container output streamed to the output sink, by stream.',
      labelNames: ['stream'] as const,
      registers,
    });
    this.pulls = new Counter({
      name: 'ofelia_image_pulls_total',
      help: 'Image pulls by daemon and result (success|failure).',
      labelNames: ['daemon', 'result'] as const,
      registers,
    });
  }
}
