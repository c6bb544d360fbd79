/**
 * ObjectMeta and label-map validation (apimachinery api/validation
 * ValidateObjectMeta, meta/v1/validation ValidateLabels).
 */
import { checkDns1123Label, checkLabelValue, checkQualifiedName } from "../names.ts";
import type { FieldPath, Problem } from "../problems.ts";
import type { ObjectMeta } from "../types.ts";

/** Pushes a problem when `message` is defined; convenient with the `check*` helpers. */
export function flag(out: Problem[], path: FieldPath, message: string | undefined): void {
  if (message !== undefined) out.push({ path, message });
}

/** Validates a label map: qualified-name keys, label-value values. */
export function validateLabels(labels: Readonly<Record<string, string>>, path: FieldPath): Problem[] {
  const out: Problem[] = [];
  for (const key of Object.keys(labels).sort()) {
    flag(out, [...path, key], checkQualifiedName(key) && `key ${checkQualifiedName(key)}`);
    flag(out, [...path, key], checkLabelValue(labels[key]!));
  }
  return out;
}

/**
 * Validates metadata: a name of the kind's form, a DNS-1123-label namespace,
 * valid labels and annotation keys.
 */
export function validateMeta(meta: ObjectMeta, checkName: (name: string) => string | undefined): Problem[] {
  const out: Problem[] = [];
  if (meta.name === "") out.push({ path: ["metadata", "name"], message: "is required" });
  else flag(out, ["metadata", "name"], checkName(meta.name));
  if (meta.namespace !== "") flag(out, ["metadata", "namespace"], checkDns1123Label(meta.namespace));
  out.push(...validateLabels(meta.labels, ["metadata", "labels"]));
  for (const key of Object.keys(meta.annotations).sort()) {
    const msg = checkQualifiedName(key);
    flag(out, ["metadata", "annotations", key], msg && `key ${msg}`);
  }
  return out;
}

/** Reports every later duplicate of a key, naming where it was first seen. */
export function findDuplicates<T>(
  items: readonly T[],
  keyOf: (item: T, index: number) => string | undefined,
  pathOf: (index: number) => FieldPath,
  describe: (key: string) => string,
): Problem[] {
  const seen = new Map<string, number>();
  const out: Problem[] = [];
  items.forEach((item, i) => {
    const key = keyOf(item, i);
    if (key === undefined) return;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else out.push({ path: pathOf(i), message: `duplicate ${describe(key)} (also at index ${first})` });
  });
  return out;
}
