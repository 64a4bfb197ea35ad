/**
 * Starts the dashboard (src/dashboard) when `--dashboard-listen` is set: on the API server the
 * operator talks to (its address and CA only — users bring their own tokens), serving this
 * replica's output store. A failed listen is a StartupError naming the flag.
 */
import type { Config } from '../config/index.ts';
import type { ClusterAddress, Dashboard } from '../dashboard/index.ts';
import type { Logger } from '../log/logger.ts';
import type { OutputStore } from '../output/index.ts';
import type { Clock } from '../util/clock.ts';
import { StartupError } from './errors.ts';

export async function startDashboardPart(
  config: Config,
  /** The API server the operator talks to: its address and CA, never its credentials. */
  server: ClusterAddress | undefined,
  output: OutputStore | undefined,
  logger: Logger,
  clock: Clock,
  /** Cluster mode: the live replicas (member Leases); output is relayed only from those. */
  isPeer?: (node: string) => boolean,
): Promise<Dashboard | undefined> {
  if (!config.dashboard) return undefined;
  // Loaded only when asked for: an operator without a dashboard does not hold its code in memory.
  const { endpointFrom, startDashboard } = await import('../dashboard/index.ts');
  const log = logger.child({ component: 'dashboard' });
  try {
    const dashboard = await startDashboard({
      host: config.dashboard.listen.host,
      port: config.dashboard.listen.port,
      tls: config.dashboard.tls,
      endpoint: endpointFrom(server),
      output,
      nodeName: config.controller.nodeName,
      peerUrl: config.dashboard.peerUrl,
      isPeer,
      log,
      clock,
    });
    log.info({ url: dashboard.url }, 'dashboard listening');
    return dashboard;
  } catch (e) {
    throw new StartupError('ListenFailed', `--dashboard-listen: ${(e as Error).message}`, { cause: e });
  }
}
