/**
 * One run's output path: demultiplex (unless TTY), keep a bounded tail, cut into bounded lines,
 * hand each line to the sink and the hooks, count bytes. Memory is fixed per run: the tail ring,
 * one partial-line buffer per stream (both allocated once), an 8-byte frame header. Chunks are
 * never concatenated or decoded whole, and no line keeps a reference to a chunk.
 *
 * The stream is read as fast as it comes, never paused for the sink (see output-sink.ts: pausing
 * a follow stream loses the end of the output on Docker 20.10); a sink over its bound drops lines
 * and the capture counts them (`droppedLines`).
 */
import type { Readable } from 'node:stream';
import type { RunIdentity } from '../api/run-identity.ts';
import { FrameParser, type StreamName } from './frame-parser.ts';
import { LineSplitter } from './line-splitter.ts';
import type { OutputSink } from './output-sink.ts';
import { ByteRing } from './ring-buffer.ts';
import type { OutputTails } from './run-types.ts';

export const DEFAULT_TAIL_BYTES = 16 * 1024;
/** Tail kept per stream when asked (the most a JobNotifier's message carries, outputTailBytes). */
export const STREAM_TAIL_BYTES = 16 * 1024;
/** Longest line handed to the sink, in UTF-8 bytes (so also in characters); longer ones are cut. */
export const DEFAULT_MAX_LINE_CHARS = 16 * 1024;

export interface OutputCaptureOptions {
  run: RunIdentity;
  sink: OutputSink;
  /** Multiplexed frames (no TTY) or raw bytes (TTY: everything is stdout). */
  multiplexed: boolean;
  tailBytes?: number;
  /** Also keep the end of each stream on its own, this many bytes each (0, the default: not kept). */
  streamTailBytes?: number;
  /** Line bound in UTF-8 bytes (the name predates the byte-based splitter; bytes >= characters). */
  maxLineChars?: number;
  onLine?: (stream: StreamName, line: string) => void;
}

export class OutputCapture {
  private readonly tail: ByteRing;
  private readonly streamTailRings: Record<StreamName, ByteRing> | undefined;
  private readonly parser: FrameParser | undefined;
  private readonly stdout: LineSplitter;
  private readonly stderr: LineSplitter;
  readonly bytes: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  /** Lines the sink dropped (it returned false: over its bound). */
  droppedLines = 0;

  constructor(opts: OutputCaptureOptions) {
    this.tail = new ByteRing(opts.tailBytes ?? DEFAULT_TAIL_BYTES);
    const perStream = opts.streamTailBytes ?? 0;
    this.streamTailRings =
      perStream > 0 ? { stdout: new ByteRing(perStream), stderr: new ByteRing(perStream) } : undefined;
    const max = opts.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
    const { run, sink, onLine } = opts;
    // Two closures per run, none per chunk or line.
    this.stdout = new LineSplitter(max, (line) => {
      if (sink.line(run, 'stdout', line) === false) this.droppedLines++;
      onLine?.('stdout', line);
    });
    this.stderr = new LineSplitter(max, (line) => {
      if (sink.line(run, 'stderr', line) === false) this.droppedLines++;
      onLine?.('stderr', line);
    });
    this.parser = opts.multiplexed ? new FrameParser((s, p) => this.payload(s, p)) : undefined;
  }

  push(chunk: Buffer): void {
    if (this.parser) this.parser.push(chunk);
    else this.payload('stdout', chunk);
  }

  /**
   * Reads `stream` into the capture until it ends, closes or fails (an error ends the output; the
   * caller learns the run's fate elsewhere). Does not call end().
   */
  consume(stream: Readable): Promise<void> {
    return new Promise<void>((resolve) => {
      const onData = (chunk: Buffer): void => this.push(chunk);
      const done = (): void => {
        stream.off('data', onData);
        resolve();
      };
      stream.on('data', onData);
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
  }

  /** Flushes partial lines (end of output). */
  end(): void {
    this.stdout.end();
    this.stderr.end();
  }

  /** The last bytes of the output (stdout and stderr interleaved as produced). */
  tailText(): string {
    return this.tail.text();
  }

  /** The last bytes of each stream on its own, when the capture was asked to keep them. */
  streamTails(): OutputTails | undefined {
    const r = this.streamTailRings;
    return r ? { stdout: r.stdout.text(), stderr: r.stderr.text() } : undefined;
  }

  private payload(stream: StreamName, data: Buffer): void {
    this.bytes[stream] += data.length;
    this.tail.write(data);
    this.streamTailRings?.[stream].write(data);
    (stream === 'stdout' ? this.stdout : this.stderr).push(data);
  }
}
