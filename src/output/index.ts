/**
 * The output store of recent runs (issue 13): each run's complete stdout/stderr, with a time and
 * the stream per line, on disk under the operator's data directory, bounded per run and in total,
 * written as the run streams so a running run can be followed (by the dashboard's output API and
 * `kubectl sdj logs -f`). Contract and bounds: output-store.ts. Stored form: line-format.ts.
 */
export { decodeLine, encodeLine, type StoredLine, type StoredStream } from './line-format.ts';
export {
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_RUN_BYTES,
  DEFAULT_MAX_TOTAL_BYTES,
  type KeepLimits,
  OutputStore,
  type OutputStoreOptions,
  type RunEnd,
  type StoredRun,
} from './output-store.ts';
export { OutputRecordingExecutor } from './recording-executor.ts';
export { teeSink } from './tee-sink.ts';
