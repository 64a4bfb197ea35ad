/**
 * YAML request bodies, parsed with duplicate-key detection in linear time.
 *
 * The yaml library's own `uniqueKeys` compares every new key with every earlier key of its map
 * (O(n²): a 341 KiB body of one flat map kept the event loop busy for seconds, /livez included).
 * Here the document is parsed without that check, then every map is walked once with a Set of
 * its keys. Aliases are bounded (`maxAliasCount`) so a "billion laughs" body cannot expand.
 * In: the body text. Out: the plain value, or a thrown Error whose message says what and where.
 */
import { isAlias, isScalar, parseDocument, visit } from 'yaml';

const MAX_ALIAS_COUNT = 100;

/** Parse one YAML document; throws on syntax errors and on a key repeated within one map. */
export function parseYamlBody(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
  let duplicate: string | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        // Scalars compare by value (as JSON would see them); aliases and collections as keys are
        // rare and compared by their YAML text.
        const id = isScalar(k) ? `s:${String(k.value)}` : isAlias(k) ? `a:${k.source}` : `c:${String(k)}`;
        if (seen.has(id)) {
          duplicate = isScalar(k) ? String(k.value) : String(k);
          return visit.BREAK;
        }
        seen.add(id);
      }
      return undefined;
    },
  });
  if (duplicate !== undefined) throw new Error(`Map keys must be unique; "${duplicate}" is repeated`);
  return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
}
