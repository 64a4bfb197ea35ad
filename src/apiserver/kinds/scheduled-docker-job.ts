/**
 * ScheduledDockerJob as the server serves it: names from the API module (src/api), admission
 * through its validation (defaults applied, 422 causes with field paths), unknown-field detection,
 * the CRD's OpenAPI schema and printer columns. The server follows the API module without edits
 * anywhere else.
 */
import { openApiSchema, PRINTER_COLUMNS } from '../../api/crd.ts';
import {
  CATEGORIES,
  GROUP,
  KIND,
  LIST_KIND,
  PLURAL,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from '../../api/schema.ts';
import { findUnknownFields } from '../../api/unknown-fields.ts';
import { validateScheduledDockerJob, validateScheduledDockerJobStatus } from '../../api/validate.ts';
import { AGE_COLUMN } from './column-values.ts';
import type { ColumnSpec, KubeObject, ResourceKind } from './kind.ts';

function columns(): ColumnSpec[] {
  const out: ColumnSpec[] = PRINTER_COLUMNS.map((c) => {
    const col: ColumnSpec = { name: c.name, type: c.type, description: c.description, jsonPath: c.jsonPath };
    if (c.priority !== undefined) col.priority = c.priority;
    if (c.format !== undefined) col.format = c.format;
    return col;
  });
  // A CRD's table always ends with an age column (the server adds it when the CRD has none).
  if (!out.some((c) => c.jsonPath === AGE_COLUMN.jsonPath)) {
    const firstWide = out.findIndex((c) => (c.priority ?? 0) > 0);
    out.splice(firstWide < 0 ? out.length : firstWide, 0, { ...AGE_COLUMN });
  }
  return out;
}

export function scheduledDockerJobKind(): ResourceKind {
  return {
    group: GROUP,
    version: VERSION,
    kind: KIND,
    listKind: LIST_KIND,
    plural: PLURAL,
    singular: SINGULAR,
    namespaced: true,
    shortNames: [...SHORT_NAMES],
    categories: [...CATEGORIES],
    statusSubresource: true,
    tracksGeneration: true,
    columns: columns(),
    fieldLabels: {},
    admit(obj: KubeObject) {
      const r = validateScheduledDockerJob(obj);
      return r.ok ? { ok: true, object: r.job as unknown as KubeObject } : { ok: false, causes: r.causes };
    },
    admitStatus(status: unknown) {
      const r = validateScheduledDockerJobStatus(status);
      return r.ok ? { ok: true, status: r.status } : { ok: false, causes: r.causes };
    },
    unknownFields: (obj) => findUnknownFields(obj),
    openApiSchema: () => openApiSchema(),
  };
}
