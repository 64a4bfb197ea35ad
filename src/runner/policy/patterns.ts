/**
 * Name patterns of the operator's allow-lists: `*` matches any run of characters, everything else
 * is literal; the whole name must match. Pure.
 */

export function matchesPattern(name: string, pattern: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return name === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!name.startsWith(first)) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = name.indexOf(parts[i]!, at);
    if (found < 0) return false;
    at = found + parts[i]!.length;
  }
  return name.length - at >= last.length && name.endsWith(last);
}

export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchesPattern(name, p));
}
