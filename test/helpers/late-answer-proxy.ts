/**
 * A unix-socket proxy in front of the real Docker daemon that holds back the daemon's answer to
 * the first `count` requests whose request line matches `pattern`: the daemon does the work, the
 * client sees no answer and times out. "A daemon too busy to answer in time", made on purpose
 * and without slowing the daemon other tests share.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class LateAnswerProxy {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  /** Requests whose answer was held back so far. */
  held = 0;

  constructor(
    readonly path: string,
    private readonly pattern: RegExp,
    private readonly count: number,
    private readonly upstream = '/var/run/docker.sock',
  ) {}

  start(): Promise<void> {
    const srv = createServer((client) => {
      const up = createConnection(this.upstream);
      let holding = false;
      for (const s of [client, up]) {
        this.open.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.open.delete(s);
          client.destroy();
          up.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => {
        // A request line starts a chunk on these short calls (no pipelining over HTTP/1.1 here).
        const line = chunk.subarray(0, chunk.indexOf(13)).toString('latin1');
        if (!holding && this.held < this.count && this.pattern.test(line)) {
          holding = true;
          this.held++;
        }
        up.write(chunk);
      });
      // Once held, this connection answers nothing more: the client gives up and closes it.
      up.on('data', (chunk: Buffer) => {
        if (!holding) client.write(chunk);
      });
    });
    this.server = srv;
    return new Promise((resolve) => srv.listen(this.path, () => resolve()));
  }

  stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    const srv = this.server;
    this.server = undefined;
    return new Promise((resolve) => (srv ? srv.close(() => resolve()) : resolve()));
  }
}
