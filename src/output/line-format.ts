/**
 * The stored form of one output line: `<RFC 3339 UTC time with ms> <O|E|-> <text>\n`.
 *
 * `O` is stdout, `E` stderr, `-` a notice written by the store itself (output dropped over a cap).
 * The text never holds a newline (the runner's line splitter cut there), so one stored line is one
 * file line and a follower can split on `\n`. Pure: no I/O.
 */
import type { StreamName } from '../runner/frame-parser.ts';

export type StoredStream = StreamName | 'notice';

export interface StoredLine {
  /** RFC 3339 time the line was received by the operator. */
  time: string;
  stream: StoredStream;
  text: string;
}

const CODE: Record<StoredStream, string> = { stdout: 'O', stderr: 'E', notice: '-' };
const STREAM: Record<string, StoredStream> = { O: 'stdout', E: 'stderr', '-': 'notice' };
/** `2026-12-05T01:17:25.123Z` is always 24 characters. */
const TIME_CHARS = 24;

export function encodeLine(timeMs: number, stream: StoredStream, text: string): string {
  return `${new Date(timeMs).toISOString()} ${CODE[stream]} ${text}\n`;
}

/** Decodes one stored line (without its `\n`); undefined when it is not in the stored form. */
export function decodeLine(line: string): StoredLine | undefined {
  if (line.length < TIME_CHARS + 3 || line[TIME_CHARS] !== ' ' || line[TIME_CHARS + 2] !== ' ')
    return undefined;
  const stream = STREAM[line[TIME_CHARS + 1]!];
  if (!stream) return undefined;
  return { time: line.slice(0, TIME_CHARS), stream, text: line.slice(TIME_CHARS + 3) };
}
