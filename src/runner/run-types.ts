/**
 * The runner's public types: what a run is asked to do and what it can tell on the way.
 */
import type { RunIdentity } from '../api/run-identity.ts';
import type { RunResult, RunTrigger, ScheduledDockerJobSpec } from '../api/schema.ts';
import type { StreamName } from './frame-parser.ts';

export interface RunRequest {
  identity: RunIdentity;
  trigger: RunTrigger;
  spec: ScheduledDockerJobSpec;
}

export interface RunHooks {
  /** The container (or, for exec, the target container) started: the run is now active. */
  onStarted?(info: { containerId: string; startTime: number }): void;
  /** One line of output, as it is produced (also sent to the OutputSink). */
  onOutputLine?(stream: StreamName, line: string): void;
  /**
   * The end of each stream on its own (the record's logTail interleaves them), once, before the
   * run's record is returned; given, the capture keeps STREAM_TAIL_BYTES per stream for it.
   */
  onOutputTails?(tails: OutputTails): void;
}

/** The last bytes of stdout and of stderr of one run, kept apart (TTY runs: all is stdout). */
export interface OutputTails {
  stdout: string;
  stderr: string;
}

/** How a run ended, before it becomes a RunRecord. */
export interface RunOutcome {
  result: RunResult;
  reason: string;
  message?: string;
  exitCode?: number;
  containerId?: string;
  /** Epoch ms when the container (or exec) started. */
  startTime?: number;
  logTail?: string;
}
