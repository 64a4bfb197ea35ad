/**
 * How this process reaches the API server, decided once by the composition root: every client
 * the controller, the notifier controller and the runner need, all over HTTPS with client-node
 * (https-api.ts: cluster mode, `--embedded-client https`) or all in-process against the embedded
 * API server (in-process-api.ts: embedded mode's default, which loads no client-node).
 * Types only: importing this loads neither side.
 */
import type { ControllerApi } from '../controller/controller-api.ts';
import type { EventSink } from '../kube/event-recorder.ts';
import type { LabelStores } from '../labels/object-store.ts';
import type { NotifierApi } from '../notify/notifier-api.ts';
import type { SecretSource } from '../runner/secret-source.ts';

export interface OperatorApi {
  /** For logs: `https` or `in-process`. */
  readonly name: 'https' | 'in-process';
  readonly controller: ControllerApi;
  readonly notifiers: NotifierApi;
  /** Where the notifier controller's Events go. */
  readonly notifierEvents: EventSink;
  /** A new SecretSource with a cache of its own (the runner's, the notifiers'). */
  secrets(): SecretSource;
  /** Where the Docker-label source (`--docker-labels`) of owner `owner` keeps its objects. */
  labelStores(namespace: string, owner: string): Promise<LabelStores>;
}
