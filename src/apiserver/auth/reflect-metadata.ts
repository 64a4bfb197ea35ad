/**
 * The part of the `reflect-metadata` API that @peculiar/x509's dependency tsyringe calls at load
 * time (`getMetadata`, `getOwnMetadata`, `defineMetadata`). x509 refuses to load without a Reflect
 * polyfill, and the `reflect-metadata` package is not a dependency of this project; this module
 * installs a WeakMap-backed equivalent, only when no polyfill is present. Import it before
 * `@peculiar/x509` (ES modules evaluate imports in order).
 */
type MetadataKey = unknown;
type Target = object;
type PerTarget = Map<PropertyKey | undefined, Map<MetadataKey, unknown>>;

const store = new WeakMap<Target, PerTarget>();

function own(
  target: Target,
  property: PropertyKey | undefined,
  create: boolean,
): Map<MetadataKey, unknown> | undefined {
  let perTarget = store.get(target);
  if (!perTarget) {
    if (!create) return undefined;
    perTarget = new Map();
    store.set(target, perTarget);
  }
  let perProperty = perTarget.get(property);
  if (!perProperty && create) {
    perProperty = new Map();
    perTarget.set(property, perProperty);
  }
  return perProperty;
}

interface ReflectMetadata {
  defineMetadata(key: MetadataKey, value: unknown, target: Target, property?: PropertyKey): void;
  getOwnMetadata(key: MetadataKey, target: Target, property?: PropertyKey): unknown;
  getMetadata(key: MetadataKey, target: Target, property?: PropertyKey): unknown;
}

const api: ReflectMetadata = {
  defineMetadata(key, value, target, property) {
    own(target, property, true)!.set(key, value);
  },
  getOwnMetadata(key, target, property) {
    return own(target, property, false)?.get(key);
  },
  getMetadata(key, target, property) {
    // Walk the prototype chain, like reflect-metadata's OrdinaryGetMetadata.
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const map = own(t, property, false);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  },
};

const reflect = Reflect as unknown as Partial<ReflectMetadata>;
if (typeof reflect.getMetadata !== 'function') Object.assign(Reflect, api);
