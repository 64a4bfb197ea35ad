/**
 * ScheduledDockerJob as the server serves it: names from the API module, admission through its
 * validation (defaults applied, 422 causes with field paths), printer columns from the CRD.
 */
import { CATEGORIES, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from '../api/schema.ts';
import { JOB_PRINTER_COLUMNS, jobOpenApiSchema, unknownJobFields, validateJob } from './api-module.ts';
import type { ColumnSpec, KubeObject, ResourceKind } from './kinds.ts';

function columns(): ColumnSpec[] {
  const out: ColumnSpec[] = JOB_PRINTER_COLUMNS.map((c) => {
    const col: ColumnSpec = { name: c.name, type: c.type, description: c.description, jsonPath: c.jsonPath };
    if (c.priority !== undefined) col.priority = c.priority;
    if (c.format !== undefined) col.format = c.format;
    return col;
  });
  // A CRD's table always ends with an age column (the server adds it when the CRD has none).
  if (!out.some((c) => c.jsonPath === '.metadata.creationTimestamp')) {
    const firstWide = out.findIndex((c) => (c.priority ?? 0) > 0);
    const age: ColumnSpec = {
      name: 'Age',
      type: 'date',
      jsonPath: '.metadata.creationTimestamp',
      description:
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
    };
    out.splice(firstWide < 0 ? out.length : firstWide, 0, age);
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
      const r = validateJob(obj);
      return r.ok ? { ok: true, object: r.job } : { ok: false, causes: r.causes };
    },
    unknownFields: (obj) => unknownJobFields(obj),
    openApiSchema: () => jobOpenApiSchema(),
  };
}
