/**
 * api: the ScheduledDockerJob resource (ofelia.dev/v1alpha1).
 *
 * Contract
 * - In: untrusted objects (request bodies, parsed manifests) and manifest files.
 * - Out: typed jobs with defaults applied, or every problem as a Kubernetes status cause
 *   (field path, reason, message); unknown-field paths; the generated CRD and its structural
 *   OpenAPI schema; run identities (names, labels) derived from (job uid, scheduled time, attempt).
 * - Never: throws on bad input, does network I/O, reads the clock, or echoes environment values.
 *   schema.ts is the single source: the CRD, docs/api.md and validation all derive from it.
 */

export { type CauseReason, type FieldCause, MAX_CAUSES } from './causes.ts';
export { buildCrd, openApiSchema, PRINTER_COLUMNS, renderCrdYaml } from './crd.ts';
export { MAX_JOB_NAME_LENGTH } from './field-rules.ts';
export {
  type LoadResult,
  loadManifests,
  type ManifestDocument,
  type ManifestProblem,
  parseManifests,
  selectJobs,
} from './manifest.ts';
export { memoryBytes, nanoCpus, parseQuantity } from './quantity.ts';
export {
  containerName,
  INSTANCE_ID_PATTERN,
  LABELS,
  MANAGED_BY_VALUE,
  RUN_ONCE_INSTANCE,
  type RunIdentity,
  runLabels,
  runName,
} from './run-identity.ts';
export * from './schema.ts';
export { findUnknownFields } from './unknown-fields.ts';
export { fieldPath, type ValidationResult, validateScheduledDockerJob } from './validate.ts';
