import type { KubeKind, KubeObject } from "../api/index.ts";

/** The TypeScript type of the API object of kind `K`. */
export type ObjectOfKind<K extends KubeKind> = Extract<KubeObject, { kind: K }>;

/**
 * The key an object is stored under: `namespace/name`, or `name` alone for a
 * cluster-scoped object such as a Node.
 */
// why: client-go's cache.MetaNamespaceKeyFunc keys informers' stores exactly so.
export function objectKey(meta: { readonly name: string; readonly namespace?: string }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

/**
 * True when every `key=value` of an equality selector is among `labels`.
 * An empty selector matches everything.
 */
// why: labels.Set(selector).AsSelectorPreValidated() — the selector a Service or a
// Deployment's matchLabels becomes — requires each pair; `{}` selects all.
export function selectorMatches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const key in selector) {
    if (labels[key] !== selector[key]) return false;
  }
  return true;
}

/** Orders strings by UTF-16 code units, like Go's `sort.Strings` on ASCII keys (never locale-dependent). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Structural equality of plain JSON-like values (objects, arrays, primitives); key order is ignored. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const aKeys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  for (const key of aKeys) if (!deepEqual(ao[key], bo[key])) return false;
  return true;
}

/** JSON with object keys sorted at every level and `undefined` members dropped: a stable text for hashing. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort(compareStrings)) {
    if (obj[key] === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(obj[key])}`);
  }
  return `{${parts.join(",")}}`;
}
