/**
 * The embedded Kubernetes-compatible API server: the only entry point for code outside this folder.
 *
 * In: a data directory (or, for `startApiServer`, an ObjectStore and an Authenticator made by the
 * caller), a listen address, TLS. Out: an HTTPS server that real `kubectl` and
 * `@kubernetes/client-node` talk to — discovery, OpenAPI, CRUD, status, watch, Tables, merge/JSON
 * patches and server-side apply — for ScheduledDockerJobs, Events, Leases, Namespaces, Secrets and
 * ConfigMaps (docs/apiserver.md lists what is served and what differs from a real server).
 * Never: serves plain HTTP, answers a request without a valid token (except /livez, /readyz),
 * logs tokens or object contents, or buffers without a bound (bodies, watch backlogs, history).
 *
 * Parts, one folder each: `http/` (listener, router, REST verbs, bodies, Tables), `registry/`
 * (the resource engine: CRUD semantics, deletion, queries, guaranteed updates), `patch/` (JSON
 * patch, strategic merge, server-side apply), `discovery/` (discovery and OpenAPI), `watch/`,
 * `kinds/` (one file per served kind, listed in served-kinds.ts), `store/` (the durable WAL
 * store), `auth/` (tokens, serving certificate, kubeconfig).
 */
export {
  type ApiServerHandle,
  type ApiServerOptions,
  DEFAULT_NAMESPACES,
  startApiServer,
} from './api-server.ts';
export type { Authenticator, Principal } from './auth/authenticator.ts';
export { formatDurationSeconds, parseDurationSeconds } from './auth/duration.ts';
export { renderKubeconfig, writeKubeconfig } from './auth/kubeconfig.ts';
export { loadOrCreateServingCert, type ServingCert } from './auth/tls.ts';
export {
  type CreatedToken,
  DEFAULT_TOKEN_TTL_SECONDS,
  type TokenInfo,
  TokenStore,
} from './auth/token-store.ts';
export {
  DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS,
  DEFAULT_ROTATION_GRACE_SECONDS,
  type EmbeddedApiServer,
  EmbeddedApiServerError,
  type EmbeddedApiServerFailure,
  type EmbeddedApiServerOptions,
  isLoopbackHost,
  KUBECONFIG_TOKEN_NAME,
  startEmbeddedApiServer,
} from './embedded.ts';
export type { InProcessAccess } from './in-process.ts';
export { type KubeObject, keyPrefix, objectKey, type ResourceKind } from './kinds/kind.ts';
export { defaultKinds } from './kinds/served-kinds.ts';
export { withVersion } from './registry/object-rules.ts';
export { ResourceService } from './registry/resource-service.ts';
export { ApiError } from './status-errors.ts';
export { dataDirPaths } from './store/data-dir.ts';
export type {
  ObjectStore,
  OpenReport,
  PutOptions,
  StoreChange,
  StoreDeletion,
} from './store/object-store.ts';
export { StoreConflictError, StoredObject } from './store/object-store.ts';
export { WalObjectStore, type WalObjectStoreOptions } from './store/wal-store.ts';
export { type WatchEventType, WatchHub, type WatchSink } from './watch/watch-hub.ts';
