/**
 * A KubeConfig that follows its file, as client-go follows token files: when the file changes (a
 * renewed token, a restarted API server on a new port or with a new certificate) the next request
 * uses what it says now. Clients built by makeKubeClients check it before every request (a stat at
 * most once per `checkIntervalMs`) and at once after a 401, so a client locked out by a rotated
 * token recovers on its next call instead of failing forever.
 * In: the kubeconfig path. Out: a KubeConfig whose users/clusters/contexts are replaced in place.
 * Never: throws from a check (an unreadable or broken file keeps the last good configuration, and
 * is logged once per change).
 */
import { statSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';

/** What makeKubeClients asks of a KubeConfig that can follow its source. */
export interface RefreshableKubeConfig {
  /** Re-read the source if it changed (at most once per interval unless `force`). */
  refreshIfChanged(force?: boolean): void;
}

export function isRefreshable(kc: KubeConfig): kc is KubeConfig & RefreshableKubeConfig {
  return typeof (kc as Partial<RefreshableKubeConfig>).refreshIfChanged === 'function';
}

interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

export class ReloadingKubeConfig extends KubeConfig implements RefreshableKubeConfig {
  private seen: FileIdentity | undefined;
  private lastCheck = Number.NEGATIVE_INFINITY;

  constructor(
    readonly file: string,
    private readonly opts: { checkIntervalMs?: number; logger?: Logger; now?: () => number } = {},
  ) {
    super();
    this.seen = identity(file);
    this.loadFromFile(file);
  }

  refreshIfChanged(force = false): void {
    const now = (this.opts.now ?? Date.now)();
    if (!force && now - this.lastCheck < (this.opts.checkIntervalMs ?? 1000)) return;
    this.lastCheck = now;
    const current = identity(this.file);
    if (
      !current ||
      (current.ino === this.seen?.ino &&
        current.size === this.seen?.size &&
        current.mtimeMs === this.seen?.mtimeMs)
    )
      return;
    this.seen = current;
    try {
      // Parsed into a scratch object first: a half-valid file must not leave this one half-loaded.
      const next = new KubeConfig();
      next.loadFromFile(this.file);
      if (!next.getCurrentCluster()?.server) throw new Error('the current context names no cluster');
      this.loadFromFile(this.file);
      this.opts.logger?.info({ kubeconfig: this.file }, 'kubeconfig changed: reloaded');
    } catch (e) {
      this.opts.logger?.warn(
        { kubeconfig: this.file, err: e },
        'kubeconfig changed but is unusable; kept the previous one',
      );
    }
  }
}

function identity(file: string): FileIdentity | undefined {
  try {
    const st = statSync(file);
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}
