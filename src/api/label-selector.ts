/**
 * Kubernetes label selectors (`matchLabels` + `matchExpressions`, all terms ANDed) as JobNotifiers
 * use them to pick jobs: `checkSelector` adds a cause per malformed term (field path, reason),
 * `matchesSelector` decides for one label set. An absent selector selects everything.
 */
import { type CauseList, labelValueProblem, qualifiedNameProblem } from './causes.ts';
import type { LabelSelector } from './notifier-schema.ts';

export function checkSelector(selector: LabelSelector | undefined, at: string, causes: CauseList): void {
  if (!selector) return;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) causes.invalid(`${at}.matchLabels`, key, keyProblem);
    const valueProblem = labelValueProblem(value);
    if (valueProblem) causes.invalid(`${at}.matchLabels[${key}]`, value, valueProblem);
  }
  (selector.matchExpressions ?? []).forEach((term, i) => {
    const path = `${at}.matchExpressions[${i}]`;
    const keyProblem = qualifiedNameProblem(term.key);
    if (keyProblem) causes.invalid(`${path}.key`, term.key, keyProblem);
    const values = term.values ?? [];
    if ((term.operator === 'In' || term.operator === 'NotIn') && values.length === 0)
      causes.required(`${path}.values`, `must be specified when operator is ${term.operator}`);
    if ((term.operator === 'Exists' || term.operator === 'DoesNotExist') && values.length > 0)
      causes.forbidden(`${path}.values`, `may not be specified when operator is ${term.operator}`);
    values.forEach((v, j) => {
      const problem = labelValueProblem(v);
      if (problem) causes.invalid(`${path}.values[${j}]`, v, problem);
    });
  });
}

export function matchesSelector(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (have[key] !== value) return false;
  for (const term of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, term.key);
    const value = have[term.key];
    switch (term.operator) {
      case 'In':
        if (!present || !(term.values ?? []).includes(value as string)) return false;
        break;
      case 'NotIn':
        if (present && (term.values ?? []).includes(value as string)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}
