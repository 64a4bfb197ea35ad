/**
 * Cuts a byte stream into lines for the output sink, holding at most one partial line of at most
 * `maxLineBytes` (a longer line is emitted in pieces of that size). UTF-8 characters split across
 * chunks are kept whole; a piece cut from an over-long line may end mid-character, which is fine
 * for logs and never grows memory.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(
    private readonly maxLineChars: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (this.pending) {
      text = this.pending + text;
      this.pending = '';
    }
    let start = 0;
    let nl = text.indexOf('\n', start);
    while (nl >= 0) {
      this.emit(text, start, nl);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    // What is left is a partial line: cut it while it is over the bound.
    while (text.length - start > this.maxLineChars) {
      this.onLine(text.slice(start, start + this.maxLineChars));
      start += this.maxLineChars;
    }
    this.pending = start < text.length ? text.slice(start) : '';
  }

  /** Emits the last partial line, if any (end of stream). */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest) this.emit(rest, 0, rest.length);
  }

  private emit(text: string, from: number, to: number): void {
    // A line ending in \r\n (TTY output) loses its \r too.
    const end = to > from && text.charCodeAt(to - 1) === 13 ? to - 1 : to;
    for (let i = from; i < end; i += this.maxLineChars) {
      this.onLine(text.slice(i, Math.min(end, i + this.maxLineChars)));
    }
    if (end === from) this.onLine('');
  }
}
