/**
 * Message templates of JobNotifiers (the mail subject): `{{name}}` placeholders over a fixed set of
 * names, nothing else (no expressions, no loops, no access to anything but the message's fields).
 * `parseTemplate` says why a template does not parse (unbalanced braces, an unknown name), so a bad
 * template is refused at admission with its field path; `renderTemplate` never throws.
 */

export const TEMPLATE_NAMES = [
  'event',
  'namespace',
  'job',
  'run',
  'trigger',
  'result',
  'reason',
  'exitCode',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

type Part = { text: string } | { name: TemplateName };

export type ParsedTemplate = { ok: true; parts: Part[] } | { ok: false; why: string };

const PLACEHOLDER = /^\s*([A-Za-z]+)\s*$/;

export function parseTemplate(source: string): ParsedTemplate {
  const parts: Part[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    const strayClose = source.indexOf('}}', at);
    if (strayClose >= 0 && (open < 0 || strayClose < open))
      return { ok: false, why: `"}}" without "{{" at offset ${strayClose}` };
    if (open < 0) {
      parts.push({ text: source.slice(at) });
      break;
    }
    if (open > at) parts.push({ text: source.slice(at, open) });
    const close = source.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, why: `"{{" at offset ${open} is not closed` };
    const inner = PLACEHOLDER.exec(source.slice(open + 2, close));
    const name = inner?.[1];
    if (!name || !(TEMPLATE_NAMES as readonly string[]).includes(name))
      return {
        ok: false,
        why: `unknown placeholder "${source.slice(open, close + 2)}"; known: ${TEMPLATE_NAMES.join(', ')}`,
      };
    parts.push({ name: name as TemplateName });
    at = close + 2;
  }
  return { ok: true, parts };
}

/** The template with its placeholders replaced (an unparsable template is returned as is). */
export function renderTemplate(source: string, values: Partial<Record<TemplateName, string>>): string {
  const parsed = parseTemplate(source);
  if (!parsed.ok) return source;
  return parsed.parts.map((p) => ('text' in p ? p.text : (values[p.name] ?? ''))).join('');
}
