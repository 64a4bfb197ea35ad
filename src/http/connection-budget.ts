/**
 * A bound on the observability server's connections that keeps room for probes.
 *
 * A plain `maxConnections` lets 64 sockets that connect and never send a request (or sit in
 * keep-alive) refuse every new connection, so the kubelet's /healthz probe fails and the pod is
 * restarted for nothing. Here a new connection beyond the bound evicts the connection idle the
 * longest (never one with a request in flight); only when every connection is busy is the new one
 * refused. In: connection, request start and end notices. Never: keeps more than `max` sockets.
 */

/** What the budget needs of a socket. */
export interface BudgetSocket {
  destroy(): void;
  once(event: 'close', listener: () => void): unknown;
}

export class ConnectionBudget<S extends BudgetSocket = BudgetSocket> {
  /** Insertion order = idle order: a socket is moved to the end whenever it becomes idle. */
  private readonly idle = new Set<S>();
  private readonly busy = new Map<S, number>();

  constructor(private readonly max: number) {}

  /** A new connection: admitted (evicting the longest-idle one if needed) or destroyed. */
  admit(socket: S): boolean {
    if (this.size >= this.max) {
      const oldest = this.idle.values().next();
      if (oldest.done) {
        socket.destroy();
        return false;
      }
      this.idle.delete(oldest.value);
      oldest.value.destroy();
    }
    this.idle.add(socket);
    socket.once('close', () => {
      this.idle.delete(socket);
      this.busy.delete(socket);
    });
    return true;
  }

  requestStarted(socket: S): void {
    if (!this.idle.delete(socket) && !this.busy.has(socket)) return;
    this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
  }

  requestEnded(socket: S): void {
    const n = this.busy.get(socket);
    if (n === undefined) return;
    if (n > 1) this.busy.set(socket, n - 1);
    else {
      this.busy.delete(socket);
      this.idle.add(socket);
    }
  }

  get size(): number {
    return this.idle.size + this.busy.size;
  }
}
