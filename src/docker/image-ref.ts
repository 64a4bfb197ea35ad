/**
 * Image references, split the way the Engine API's pull wants them (`fromImage` + `tag`) and the
 * way registry credentials are looked up (by registry host).
 */

export interface ImageRef {
  /** Repository without tag or digest, as written (e.g. `127.0.0.1:5000/team/tool`, `alpine`). */
  repository: string;
  /** Tag or digest (`sha256:...`); `latest` when neither was given. */
  tagOrDigest: string;
  /** Registry host (`docker.io` for Docker Hub). */
  registry: string;
}

export const DOCKER_HUB = 'docker.io';

export function parseImageRef(ref: string): ImageRef {
  let repository = ref;
  let tagOrDigest = 'latest';
  const at = ref.indexOf('@');
  if (at >= 0) {
    repository = ref.slice(0, at);
    tagOrDigest = ref.slice(at + 1);
  } else {
    const colon = ref.lastIndexOf(':');
    if (colon > ref.lastIndexOf('/')) {
      repository = ref.slice(0, colon);
      tagOrDigest = ref.slice(colon + 1);
    }
  }
  const slash = repository.indexOf('/');
  const first = slash >= 0 ? repository.slice(0, slash) : '';
  const registry =
    first && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : DOCKER_HUB;
  return { repository, tagOrDigest, registry };
}
