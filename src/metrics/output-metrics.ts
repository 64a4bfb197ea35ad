/**
 * Metrics of the on-disk output store (src/output). Labels are fixed sets: `reason` is why bytes
 * were dropped — `run_cap` (a run over --output-max-run: its oldest segment went), `total_cap`
 * (the store over --output-max-total: the oldest runs went), `history` (a run no longer in its
 * job's history), `backlog` (the disk was slower than the output: lines not written at all).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type OutputDropReason = 'run_cap' | 'total_cap' | 'history' | 'backlog';

export class OutputMetrics {
  readonly writtenBytes: Counter;
  readonly droppedBytes: Counter<'reason'>;
  readonly diskBytes: Gauge;
  readonly runs: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.writtenBytes = new Counter({
      name: 'ofelia_output_written_bytes_total',
      help: 'Bytes of run output (stored form, with time and stream) written to the output store.',
      registers,
    });
    this.droppedBytes = new Counter({
      name: 'ofelia_output_dropped_bytes_total',
      help: 'Bytes of stored run output removed or never written, by reason (run_cap, total_cap, history, backlog).',
      labelNames: ['reason'] as const,
      registers,
    });
    this.diskBytes = new Gauge({
      name: 'ofelia_output_disk_bytes',
      help: 'Bytes of run output the output store holds on disk.',
      registers,
    });
    this.runs = new Gauge({
      name: 'ofelia_output_runs',
      help: 'Runs whose output the output store holds (running and finished).',
      registers,
    });
  }
}
