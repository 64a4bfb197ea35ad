/**
 * Looks up the facts the policy needs (facts.ts) for one job: the exec target and the network
 * container through the daemon, named volumes through the daemon, bind sources (and the allowed
 * prefixes) through the host's filesystem with every symlink resolved. Each Docker call goes
 * through the daemon's guard (timeouts, breaker); a missing object is a fact (null), any other
 * failure is thrown for the runner to classify. Under the privileged level only the exec target
 * is looked up (the exec flow needs it).
 *
 * The host paths are resolved in the operator's own view of the filesystem: the operator must see
 * the allowed prefixes at the same paths as the daemon (true on the host; in a Pod, mount them at
 * the same path). A path the operator cannot see is denied, never guessed.
 */
import { realpath } from 'node:fs/promises';
import type { ScheduledDockerJobSpec } from '../../api/schema.ts';
import type { SecurityPolicy } from '../../api/security-policy.ts';
import type { DaemonClient } from '../../docker/daemon-client.ts';
import type { ContainerInspect, VolumeInspect } from '../../docker/engine-types.ts';
import { isNotFound } from '../../docker/errors.ts';
import type { BindSourceFacts, ContainerFacts, PolicyFacts, VolumeFacts } from './facts.ts';

/** The host's filesystem as the policy sees it. */
export interface HostPaths {
  /** The path with every symlink resolved; rejects like fs.realpath (ENOENT when missing). */
  realpath(path: string): Promise<string>;
}

export const localHostPaths: HostPaths = { realpath: (p) => realpath(p) };

/** The Docker look-ups the policy makes. */
export interface PolicyDocker {
  /** Resolves undefined when there is no such container. */
  inspectContainer(nameOrId: string): Promise<ContainerInspect | undefined>;
  /** Resolves undefined when there is no such volume. */
  inspectVolume(name: string): Promise<VolumeInspect | undefined>;
}

export function policyDocker(daemon: DaemonClient): PolicyDocker {
  return {
    inspectContainer: (id) => orUndefined(daemon.inspectContainer(id)),
    inspectVolume: (name) =>
      orUndefined(
        daemon.call('volume.inspect', () =>
          daemon.docker.getVolume(name).inspect(),
        ) as Promise<VolumeInspect>,
      ),
  };
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export class ExecTargetNotFound extends Error {
  readonly reason = 'ContainerNotFound';
  constructor(readonly container: string) {
    // Worded as the daemon words it.
    super(`No such container: ${container}`);
    this.name = 'ExecTargetNotFound';
  }
}

export async function gatherPolicyFacts(
  spec: ScheduledDockerJobSpec,
  policy: SecurityPolicy,
  docker: PolicyDocker,
  host: HostPaths,
): Promise<PolicyFacts> {
  let execTarget: ContainerFacts | undefined;
  if (spec.exec) {
    const found = await docker.inspectContainer(spec.exec.container);
    if (!found) throw new ExecTargetNotFound(spec.exec.container);
    execTarget = containerFacts(found);
  }
  const facts: PolicyFacts = {
    execTarget,
    volumes: new Map(),
    bindSources: new Map(),
    resolvedPrefixes: new Map(),
  };
  if (policy.level === 'privileged' || !spec.run) return facts;

  const network = spec.run.network ?? '';
  let networkContainer: ContainerFacts | null | undefined;
  if (network.startsWith('container:')) {
    const found = await docker.inspectContainer(network.slice('container:'.length));
    networkContainer = found ? containerFacts(found) : null;
  }
  const volumes = new Map<string, VolumeFacts | null>();
  const bindSources = new Map<string, BindSourceFacts>();
  for (const v of spec.run.volumes ?? []) {
    if (v.type === 'bind') {
      if (v.source.startsWith('/')) bindSources.set(v.source, await resolve(host, v.source));
    } else if (!volumes.has(v.source)) {
      const found = await docker.inspectVolume(v.source);
      volumes.set(v.source, found ? volumeFacts(found) : null);
    }
  }
  const resolvedPrefixes = new Map<string, string>();
  if (bindSources.size) {
    for (const p of [...policy.allowedBindPrefixes, ...policy.allowedBindPrefixesReadWrite]) {
      const r = await resolve(host, p);
      // A prefix that does not exist (yet) keeps its own spelling: nothing can be under it anyway.
      resolvedPrefixes.set(p, 'resolved' in r ? r.resolved : p);
    }
  }
  return { execTarget, networkContainer, volumes, bindSources, resolvedPrefixes };
}

async function resolve(host: HostPaths, path: string): Promise<BindSourceFacts> {
  try {
    return { resolved: await host.realpath(path) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { error: 'NotFound', detail: code };
    return { error: 'Unreadable', detail: code ?? (e as Error).message };
  }
}

export function containerFacts(c: ContainerInspect): ContainerFacts {
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    labels: c.Config.Labels ?? {},
    running: c.State.Running,
    status: c.State.Status,
    user: c.Config.User ?? '',
    networkMode: c.HostConfig?.NetworkMode ?? '',
  };
}

function volumeFacts(v: VolumeInspect): VolumeFacts {
  return { name: v.Name, driver: v.Driver, options: v.Options ?? {} };
}
