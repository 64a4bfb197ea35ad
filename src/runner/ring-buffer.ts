/**
 * A fixed-size byte ring: keeps the last `capacity` bytes written, allocated once, never grows.
 * Holds the tail of a run's output for its RunRecord.
 */
export class ByteRing {
  private readonly buf: Buffer;
  private writePos = 0;
  private filled = false;
  /** Total bytes ever written. */
  written = 0;

  constructor(readonly capacity: number) {
    this.buf = Buffer.alloc(capacity);
  }

  write(chunk: Buffer): void {
    this.written += chunk.length;
    const cap = this.capacity;
    if (cap === 0) return;
    if (chunk.length >= cap) {
      chunk.copy(this.buf, 0, chunk.length - cap);
      this.writePos = 0;
      this.filled = true;
      return;
    }
    const first = Math.min(chunk.length, cap - this.writePos);
    chunk.copy(this.buf, this.writePos, 0, first);
    if (first < chunk.length) {
      chunk.copy(this.buf, 0, first);
      this.writePos = chunk.length - first;
      this.filled = true;
    } else {
      this.writePos += first;
      if (this.writePos === cap) {
        this.writePos = 0;
        this.filled = true;
      }
    }
  }

  /** The kept bytes, oldest first. */
  bytes(): Buffer {
    if (!this.filled) return Buffer.from(this.buf.subarray(0, this.writePos));
    return Buffer.concat([this.buf.subarray(this.writePos), this.buf.subarray(0, this.writePos)]);
  }

  /** The kept bytes as UTF-8, without a character cut in half at the start. */
  text(): string {
    let b = this.bytes();
    if (this.filled) {
      let skip = 0;
      // Skip UTF-8 continuation bytes (10xxxxxx) left from a character cut by the ring.
      while (skip < b.length && skip < 3 && (b[skip]! & 0xc0) === 0x80) skip++;
      b = b.subarray(skip);
    }
    return b.toString('utf8');
  }
}
