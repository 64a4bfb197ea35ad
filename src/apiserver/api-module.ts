/**
 * The one place the REST layer reaches into the ScheduledDockerJob API module (src/api/*):
 * validation with defaults, unknown-field detection, the OpenAPI schema and the printer columns.
 * Keeping it in one thin adapter lets the server follow the API module without edits elsewhere.
 */
import { openApiSchema, PRINTER_COLUMNS } from '../api/crd.ts';
import { findUnknownFields } from '../api/unknown-fields.ts';
import { type FieldCause, validateScheduledDockerJob } from '../api/validate.ts';

export type { FieldCause };

export type JobValidation = { ok: true; job: Record<string, unknown> } | { ok: false; causes: FieldCause[] };

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description: string;
  priority?: number;
  format?: string;
}

/** Defaults applied and everything validated; causes carry Kubernetes-style field paths. */
export function validateJob(input: unknown): JobValidation {
  const r = validateScheduledDockerJob(input);
  return r.ok ? { ok: true, job: r.job as unknown as Record<string, unknown> } : r;
}

/** Dotted paths (`spec.bogus`) of fields the schema does not know. */
export function unknownJobFields(input: unknown): string[] {
  return findUnknownFields(input);
}

/** The structural OpenAPI v3 schema of the whole object, as the CRD publishes it. */
export function jobOpenApiSchema(): Record<string, unknown> {
  return openApiSchema();
}

export const JOB_PRINTER_COLUMNS: readonly PrinterColumn[] = PRINTER_COLUMNS;
