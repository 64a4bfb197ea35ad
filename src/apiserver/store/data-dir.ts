/**
 * The embedded API server's data directory (0700), shared by `apiserver`, `token` and `run` in
 * embedded mode (all through src/apiserver/bootstrap.ts, except `token`, which edits tokens.json):
 *
 *   DIR/store/         the object store (WAL segments, snapshots, LOCK)
 *   DIR/tokens.json    bearer tokens, hashed (0600)
 *   DIR/serving.crt    the self-signed serving certificate (0600)
 *   DIR/serving.key    its private key (0600)
 *   DIR/instance-id    the operator's instance id (0600; `run` in embedded mode only, written once
 *                      by src/operator/instance-id.ts: which containers are this operator's)
 */
import { join } from 'node:path';

export interface DataDirPaths {
  root: string;
  store: string;
}

export function dataDirPaths(dir: string): DataDirPaths {
  return { root: dir, store: join(dir, 'store') };
}
