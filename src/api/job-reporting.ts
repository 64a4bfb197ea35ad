/**
 * What the controller reports about a job, as types shared by the controller (which decides what
 * a job's status and Events say) and the adapters that write them (src/kube): a status merge
 * patch, the key of an object, a Kubernetes Event's type and target, and why a run was skipped.
 * Types only; both sides import them from here, so neither imports the other.
 */
import type { ScheduledDockerJobStatus } from './schema.ts';

/** A JSON merge patch of a job's status: a field set to null is removed. */
export type StatusPatch = { [K in keyof ScheduledDockerJobStatus]?: ScheduledDockerJobStatus[K] | null };

/** Namespace and name of one object. */
export interface ObjectKey {
  namespace: string;
  name: string;
}

/** A Kubernetes Event's `type`. */
export type EventType = 'Normal' | 'Warning';

/** The object an Event is about (its `involvedObject`). */
export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

/** Why a due run was deliberately not started (the `reason` of its Event and metric). */
export type SkipReason = 'JobAlreadyActive' | 'QueueFull' | 'Superseded' | 'Shutdown';
