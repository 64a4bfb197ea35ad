/** An epoch-milliseconds instant as the RFC 3339 text Kubernetes objects carry (UTC, ms precision). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
