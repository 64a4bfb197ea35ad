/**
 * One run's output path: demultiplex (unless TTY), keep a bounded tail, cut into bounded lines,
 * hand each line to the sink and the hooks, count bytes. Memory is fixed per run: the tail ring,
 * one partial line per stream, an 8-byte frame header.
 */
import type { RunIdentity } from '../api/run-identity.ts';
import { FrameParser, type StreamName } from './frame-parser.ts';
import { LineSplitter } from './line-splitter.ts';
import type { OutputSink } from './output-sink.ts';
import { ByteRing } from './ring-buffer.ts';

export const DEFAULT_TAIL_BYTES = 16 * 1024;
export const DEFAULT_MAX_LINE_CHARS = 16 * 1024;

export interface OutputCaptureOptions {
  run: RunIdentity;
  sink: OutputSink;
  /** Multiplexed frames (no TTY) or raw bytes (TTY: everything is stdout). */
  multiplexed: boolean;
  tailBytes?: number;
  maxLineChars?: number;
  onLine?: (stream: StreamName, line: string) => void;
}

export class OutputCapture {
  private readonly tail: ByteRing;
  private readonly parser: FrameParser | undefined;
  private readonly splitters: Record<StreamName, LineSplitter>;
  readonly bytes: Record<StreamName, number> = { stdout: 0, stderr: 0 };

  constructor(opts: OutputCaptureOptions) {
    this.tail = new ByteRing(opts.tailBytes ?? DEFAULT_TAIL_BYTES);
    const max = opts.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
    const emit = (stream: StreamName) => (line: string) => {
      opts.sink.line(opts.run, stream, line);
      opts.onLine?.(stream, line);
    };
    this.splitters = {
      stdout: new LineSplitter(max, emit('stdout')),
      stderr: new LineSplitter(max, emit('stderr')),
    };
    this.parser = opts.multiplexed ? new FrameParser((s, p) => this.payload(s, p)) : undefined;
  }

  push(chunk: Buffer): void {
    if (this.parser) this.parser.push(chunk);
    else this.payload('stdout', chunk);
  }

  /** Flushes partial lines (end of output). */
  end(): void {
    this.splitters.stdout.end();
    this.splitters.stderr.end();
  }

  /** The last bytes of the output (stdout and stderr interleaved as produced). */
  tailText(): string {
    return this.tail.text();
  }

  private payload(stream: StreamName, data: Buffer): void {
    this.bytes[stream] += data.length;
    this.tail.write(data);
    this.splitters[stream].push(data);
  }
}
