/**
 * A job's `run` spec to the Engine API's create body. Pure: env comes resolved, labels come from
 * the run identity and the owning operator instance (the operator's labels win over the user's, so
 * a user label can never hide a container from leftover detection or hand it to another instance).
 */
import { type RunIdentity, runLabels } from '../api/run-identity.ts';
import type { RunSpec, RunTrigger } from '../api/schema.ts';
import type { ContainerCreateBody, HostConfig } from '../docker/engine-types.ts';
import { memoryBytes, nanoCpus } from './resources.ts';

export function containerCreateBody(
  spec: RunSpec,
  identity: RunIdentity,
  trigger: RunTrigger,
  env: string[],
  instance: string,
): ContainerCreateBody {
  const host: HostConfig = { AutoRemove: false };
  if (spec.network) host.NetworkMode = spec.network;
  if (spec.privileged) host.Privileged = true;
  if (spec.hostPID) host.PidMode = 'host';
  const sc = spec.securityContext;
  if (sc?.readOnlyRootFilesystem) host.ReadonlyRootfs = true;
  if (sc?.allowPrivilegeEscalation === false) host.SecurityOpt = ['no-new-privileges'];
  if (sc?.capabilities?.add?.length) host.CapAdd = [...sc.capabilities.add];
  if (sc?.capabilities?.drop?.length) host.CapDrop = [...sc.capabilities.drop];
  const r = spec.resources;
  if (r?.memory) host.Memory = memoryBytes(r.memory);
  if (r?.cpus) host.NanoCpus = nanoCpus(r.cpus);
  if (r?.pids !== undefined) host.PidsLimit = r.pids;
  if (spec.volumes?.length) {
    host.Mounts = spec.volumes.map((v) => ({
      Type: v.type ?? 'volume',
      Source: v.source,
      Target: v.target,
      ReadOnly: v.readOnly ?? false,
    }));
  }
  const body: ContainerCreateBody = {
    Image: spec.image,
    Labels: { ...(spec.labels ?? {}), ...runLabels(identity, trigger, instance) },
    Tty: spec.tty ?? false,
    AttachStdout: true,
    AttachStderr: true,
    StopSignal: spec.stopSignal ?? 'SIGTERM',
    StopTimeout: spec.stopTimeoutSeconds ?? 10,
    HostConfig: host,
  };
  if (spec.command) body.Entrypoint = spec.command;
  if (spec.args) body.Cmd = spec.args;
  if (env.length) body.Env = env;
  if (spec.user) body.User = spec.user;
  if (spec.workingDir) body.WorkingDir = spec.workingDir;
  if (spec.hostname) body.Hostname = spec.hostname;
  return body;
}
