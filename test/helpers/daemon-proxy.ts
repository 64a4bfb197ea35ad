/**
 * The real Docker daemon behind a unix socket of the test's own, without touching the daemon
 * other tests share:
 * - `stop()` takes the socket away and cuts every connection, as a daemon going away would, and
 *   `start()` brings it back;
 * - `holdAnswers` holds back the daemon's answer to the first `count` requests whose request line
 *   matches `pattern`: the daemon does the work, the client sees no answer and times out ("a
 *   daemon too busy to answer in time").
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface DaemonProxyOptions {
  upstream?: string;
  holdAnswers?: { pattern: RegExp; count: number };
}

export class DaemonProxy {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  /** Connections accepted so far. */
  connections = 0;
  /** Requests whose answer was held back so far. */
  held = 0;

  constructor(
    readonly path: string,
    private readonly opts: DaemonProxyOptions = {},
  ) {}

  start(): Promise<void> {
    const srv = createServer((client) => {
      this.connections++;
      const up = createConnection(this.opts.upstream ?? '/var/run/docker.sock');
      for (const s of [client, up]) {
        this.open.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.open.delete(s);
          client.destroy();
          up.destroy();
        });
      }
      let holding = false;
      const hold = this.opts.holdAnswers;
      client.on('data', (chunk: Buffer) => {
        // A request line starts a chunk on these short calls (no pipelining over HTTP/1.1 here).
        if (hold && !holding && this.held < hold.count) {
          const line = chunk.subarray(0, chunk.indexOf(13)).toString('latin1');
          if (hold.pattern.test(line)) {
            holding = true;
            this.held++;
          }
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

  /** Stops listening and cuts every connection. */
  stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    const srv = this.server;
    this.server = undefined;
    return new Promise((resolve) => (srv ? srv.close(() => resolve()) : resolve()));
  }
}
