/**
 * The parts of the Docker Engine API (v1.41) bodies the operator sends and reads. Field names are
 * the API's own (PascalCase).
 */

export interface ContainerCreateBody {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  Hostname?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Labels?: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  HostConfig?: HostConfig;
}

export interface Mount {
  Type: 'volume' | 'bind';
  Source: string;
  Target: string;
  ReadOnly?: boolean;
}

export interface HostConfig {
  NetworkMode?: string;
  Privileged?: boolean;
  PidMode?: string;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[];
  CapAdd?: string[];
  CapDrop?: string[];
  Memory?: number;
  NanoCpus?: number;
  PidsLimit?: number;
  Mounts?: Mount[];
  AutoRemove?: boolean;
  LogConfig?: { Type: string; Config?: Record<string, string> };
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  Paused?: boolean;
  OOMKilled?: boolean;
  ExitCode: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: ContainerState;
  Config: { Image: string; Labels?: Record<string, string> | null; Tty?: boolean; User?: string };
  HostConfig?: { NetworkMode?: string };
}

export interface VolumeInspect {
  Name: string;
  Driver: string;
  Options?: Record<string, string> | null;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  Created: number;
}

export interface WaitResult {
  StatusCode: number;
  Error?: { Message?: string } | null;
}

export interface ExecCreateBody {
  Cmd: string[];
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty?: boolean;
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  Privileged?: boolean;
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  ContainerID: string;
}

/** Registry credentials as the X-Registry-Auth header carries them. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
  serveraddress: string;
}
