/**
 * The default deadline of one API call, shared by the HTTPS clients (clients.ts) and the
 * in-process ones (src/in-process-client): a file of its own so that the in-process side reads it
 * without loading client-node.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
