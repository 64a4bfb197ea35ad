/**
 * The embedded API server's data directory (0700), shared by `apiserver` and `token`:
 *
 *   DIR/store/         the object store (WAL segments, snapshots, LOCK)
 *   DIR/tokens.json    bearer tokens, hashed (0600)
 *   DIR/serving.crt    the self-signed serving certificate (0600)
 *   DIR/serving.key    its private key (0600)
 */
import { join } from 'node:path';

export interface DataDirPaths {
  root: string;
  store: string;
}

export function dataDirPaths(dir: string): DataDirPaths {
  return { root: dir, store: join(dir, 'store') };
}
