/**
 * What the policy needs to know beyond the job spec, looked up before deciding: the containers a
 * job names (exec target, network container), the named volumes it mounts, and where its bind
 * sources really lead on the host. Plain data, gathered by docker-facts.ts; the rules are pure
 * functions of spec + policy + these facts.
 */

export interface ContainerFacts {
  id: string;
  /** Without the leading slash. */
  name: string;
  labels: Readonly<Record<string, string>>;
  running: boolean;
  status: string;
  /** The container's configured user ('' = the image's default, usually root). */
  user: string;
  /** HostConfig.NetworkMode: host, none, bridge, container:<id>, a network name. */
  networkMode: string;
}

export interface VolumeFacts {
  name: string;
  driver: string;
  options: Readonly<Record<string, string>>;
}

/** A bind source after symlinks were resolved on the host, or why it could not be. */
export type BindSourceFacts = { resolved: string } | { error: 'NotFound' | 'Unreadable'; detail: string };

export interface PolicyFacts {
  /** The exec target; undefined when the job is not an exec (or the level needs no look-up). */
  execTarget?: ContainerFacts;
  /** For network: container:<X>; null when X does not exist. */
  networkContainer?: ContainerFacts | null;
  /** Named volumes by name; null when the volume does not exist (yet: Docker creates it empty). */
  volumes: ReadonlyMap<string, VolumeFacts | null>;
  /** Bind sources by the path written in the spec. */
  bindSources: ReadonlyMap<string, BindSourceFacts>;
  /** The allowed prefixes with their own symlinks resolved (prefix as configured -> resolved). */
  resolvedPrefixes: ReadonlyMap<string, string>;
}

export const NO_FACTS: PolicyFacts = Object.freeze({
  volumes: new Map(),
  bindSources: new Map(),
  resolvedPrefixes: new Map(),
});
