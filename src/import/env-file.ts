/**
 * Env files (Ofelia's `env-file`, Docker's `--env-file` format, with the dotenv habits people
 * use): `NAME=value` per line, `#` comments, blank lines, an optional `export ` prefix, values in
 * single or double quotes (quotes removed; `\n` in double quotes is a newline). Pure; a line that
 * is not an assignment is an error with its line number. Values are never put in messages.
 */
export type EnvFileResult =
  | { ok: true; vars: Array<[string, string]> }
  | { ok: false; line: number; reason: string };

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s?(.*)$/;

export function parseEnvFile(text: string): EnvFileResult {
  const vars: Array<[string, string]> = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m) return { ok: false, line: i + 1, reason: 'expected NAME=value' };
    let value = (m[2] ?? '').trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    }
    vars.push([m[1]!, value]);
  }
  return { ok: true, vars };
}
