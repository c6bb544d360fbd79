import type * as z from "zod";

/** Formats a zod issue path as `cluster.nodes[0].ip`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** What a value looks like in an error message: short, quoted when text. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "function") return "a function";
  return "an object";
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * One line per zod issue: `<file>: <path>: <message>, got <value>`. The value
 * is looked up in the input, so the user sees what they wrote.
 */
export function formatIssues(file: string, input: unknown, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const got = valueAt(input, issue.path);
    const message = issue.code === "invalid_union" ? "does not match any accepted form" : issue.message;
    // A custom issue whose message already names the value sets params.noValue.
    const named = issue.code === "custom" && (issue.params as { noValue?: boolean } | undefined)?.noValue === true;
    const suffix =
      named || message.includes(", got ") || issue.code === "unrecognized_keys" ? "" : `, got ${describeValue(got)}`;
    return `${file}: ${formatIssuePath(issue.path)}: ${message}${suffix}`;
  });
}
