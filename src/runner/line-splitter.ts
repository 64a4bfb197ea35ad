/**
 * Cuts a byte stream into lines for the output sink. It works on bytes and copies only a partial
 * line into one buffer allocated up front (`maxLineBytes` plus a few bytes of slack): a line that
 * lies inside one chunk is decoded straight from the chunk, a line spread over chunks from that
 * buffer. Each line is a fresh string (Buffer#toString copies), so a line a sink keeps never pins
 * a chunk or a larger string (a `String#slice` of a decoded chunk would). A line longer than
 * `maxLineBytes` UTF-8 bytes (so also longer than that many characters) is emitted in pieces cut
 * on a character boundary. A UTF-8 character split across chunks is kept whole.
 */

const NL = 10;
const CR = 13;
/** Room for a trailing \r kept at the bound and a character completed across chunks. */
const SLACK = 4;

export class LineSplitter {
  private readonly partial: Buffer;
  private partialLen = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
  ) {
    if (!(maxLineBytes >= 1)) throw new RangeError(`maxLineBytes must be at least 1, got ${maxLineBytes}`);
    this.partial = Buffer.allocUnsafe(maxLineBytes + SLACK);
  }

  push(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) {
        this.hold(chunk, pos, len);
        return;
      }
      if (this.partialLen === 0) {
        this.emitRange(chunk, pos, nl > pos && chunk[nl - 1] === CR ? nl - 1 : nl);
      } else {
        this.hold(chunk, pos, nl);
        this.emitPartial();
      }
      pos = nl + 1;
    }
  }

  /** Emits the last partial line, if any (end of stream). */
  end(): void {
    if (this.partialLen > 0) this.emitPartial();
  }

  /** Appends bytes of an unfinished line; emits pieces while it is over the bound. */
  private hold(src: Buffer, from: number, to: number): void {
    const buf = this.partial;
    while (from < to) {
      const n = Math.min(buf.length - this.partialLen, to - from);
      src.copy(buf, this.partialLen, from, from + n);
      this.partialLen += n;
      from += n;
      const max = this.maxLineBytes;
      // One \r just past the bound may be the end of a \r\n line: keep it until we know.
      while (this.partialLen > max && !(this.partialLen === max + 1 && buf[max] === CR)) {
        const cut = charBoundary(buf, 0, max);
        this.onLine(buf.toString('utf8', 0, cut));
        buf.copyWithin(0, cut, this.partialLen);
        this.partialLen -= cut;
      }
    }
  }

  private emitPartial(): void {
    const buf = this.partial;
    let end = this.partialLen;
    if (buf[end - 1] === CR) end--;
    this.partialLen = 0;
    this.emitRange(buf, 0, end);
  }

  /** Emits bytes [from, to) as one line, or as pieces of at most maxLineBytes. */
  private emitRange(buf: Buffer, from: number, to: number): void {
    if (to - from <= this.maxLineBytes) {
      this.onLine(from === to ? '' : buf.toString('utf8', from, to));
      return;
    }
    while (from < to) {
      const cut = to - from <= this.maxLineBytes ? to : charBoundary(buf, from, this.maxLineBytes);
      this.onLine(buf.toString('utf8', from, cut));
      from = cut;
    }
  }
}

/**
 * The end of a piece of at most `max` bytes starting at `from`, moved back (at most 3 bytes) so that
 * it does not cut a UTF-8 character: a continuation byte (10xxxxxx) must not start the next piece.
 */
function charBoundary(buf: Buffer, from: number, max: number): number {
  const cut = from + max;
  for (let c = cut; c > cut - 4 && c > from; c--) {
    if (((buf[c] ?? 0) & 0xc0) !== 0x80) return c;
  }
  return cut; // not UTF-8 there: cut at the bound
}
