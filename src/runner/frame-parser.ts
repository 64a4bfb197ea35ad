/**
 * Demultiplexes Docker's attach/logs stream format without buffering payloads: each frame is an
 * 8-byte header (stream type, 3 zero bytes, big-endian payload size) and its payload. Payload
 * bytes are handed on as slices of the incoming chunks as they arrive, so a 1 GiB frame costs no
 * more memory than a 1 KiB one. Only a header split across chunks is held (at most 8 bytes).
 */

export type StreamName = 'stdout' | 'stderr';

export type FrameHandler = (stream: StreamName, payload: Buffer) => void;

export class FrameParser {
  private readonly header = Buffer.alloc(8);
  private headerFill = 0;
  /** Payload bytes still expected for the current frame. */
  private remaining = 0;
  private current: StreamName = 'stdout';

  constructor(private readonly onPayload: FrameHandler) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - offset);
        this.onPayload(this.current, chunk.subarray(offset, offset + n));
        this.remaining -= n;
        offset += n;
        continue;
      }
      const n = Math.min(8 - this.headerFill, chunk.length - offset);
      chunk.copy(this.header, this.headerFill, offset, offset + n);
      this.headerFill += n;
      offset += n;
      if (this.headerFill === 8) {
        this.headerFill = 0;
        // 0 stdin (only echoed with a TTY), 1 stdout, 2 stderr: anything but 2 goes to stdout.
        this.current = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.remaining = this.header.readUInt32BE(4);
      }
    }
  }

  /** True when the stream ended cleanly between frames. */
  get atFrameBoundary(): boolean {
    return this.remaining === 0 && this.headerFill === 0;
  }
}
