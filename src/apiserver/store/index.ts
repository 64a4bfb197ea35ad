/**
 * The embedded API server's storage: the ObjectStore contract (object-store.ts) and its durable
 * implementation, WalObjectStore (a write-ahead log with group commit and snapshots).
 * In: keys and JSON objects from the REST layer. Out: resourceVersions, durable state, ordered
 * change notifications. Never: interprets objects, keeps history, or acknowledges an un-fsync'd write.
 */
export * from './errors.ts';
export * from './object-store.ts';
export { WalObjectStore, type WalObjectStoreOptions, type WalStoreStats } from './wal-store.ts';
