/**
 * Problems found in user manifests, and where they were found. Every loader
 * error ends up as one line of an `InputError`, in the form
 *
 *   `web.yaml: document 2, Service default/web: spec.ports[0].port: must be between 1 and 65535, got 70000`
 *
 * i.e. source, object, field path, message — so that a user can jump to the
 * exact field without reading a stack trace.
 */

/** A field path inside one object: keys and list indices, outermost first. */
export type FieldPath = readonly (string | number)[];

/** One thing wrong with one object. */
export interface Problem {
  /** Where inside the object; empty when the object as a whole is at fault. */
  path: FieldPath;
  /** What was expected, ideally followed by what was found (`…, got 70000`). */
  message: string;
}

/** Where an object came from: a file and a 1-based YAML document number, or a free-form label. */
export interface Source {
  file: string;
  /** 1-based YAML document number; absent for objects built in code. */
  document?: number;
  /** Index inside a `kind: List` document's `items`. */
  item?: number;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Formats a field path the way `kubectl` and the API server print them:
 * `spec.ports[0].port`; map keys that are not identifiers go in brackets
 * (`metadata.labels[app.kubernetes.io/name]`, as field.Path.Key does).
 */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${part}]`;
  }
  return out;
}

/** Formats a source: `web.yaml: document 2`, `web.yaml: document 2, items[1]`, or just the label. */
export function formatSource(source: Source): string {
  let out = source.file;
  if (source.document !== undefined) out += `: document ${source.document}`;
  if (source.item !== undefined) out += `${source.document === undefined ? ":" : ","} items[${source.item}]`;
  return out;
}

/** `Kind namespace/name` for namespaced objects, `Kind name` for cluster-scoped ones (Node). */
export function formatObjectRef(kind: string, namespace: string | undefined, name: string | undefined): string {
  const shown = name === undefined || name === "" ? "<unnamed>" : name;
  return namespace === undefined || namespace === "" ? `${kind} ${shown}` : `${kind} ${namespace}/${shown}`;
}

/** One problem line: `source, object: path: message` (parts that are unknown are left out). */
export function formatProblem(source: Source, object: string | undefined, problem: Problem): string {
  const head = object === undefined ? formatSource(source) : `${formatSource(source)}, ${object}`;
  const path = formatPath(problem.path);
  return path === "" ? `${head}: ${problem.message}` : `${head}: ${path}: ${problem.message}`;
}

/** Quotes a found value for a message: strings in double quotes, others as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}
