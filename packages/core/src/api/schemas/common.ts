/**
 * Shared zod pieces for the manifest schemas: metadata, protocols,
 * int-or-string ports, null handling, and the error map that turns zod's
 * structural issues into svcsim's "expected …, got …" messages.
 *
 * The manifest schemas only check shape (types, enums, required fields).
 * Unknown fields are ignored (zod objects strip them), as the objects keep
 * only what the Service packet path reads. Semantic rules live in
 * `../validate/`, run after defaulting, in the API server's order.
 */
import { z } from "zod";
import type { Problem } from "../problems.ts";
import { showValue } from "../problems.ts";

/**
 * Drops `null` object fields recursively. Go's JSON decoder treats an explicit
 * `null` as "not set" for optional fields, and YAML writes `selector:` with no
 * value as null, so real manifests are full of them.
 */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = stripNulls(v);
  return out;
}

/** TCP, UDP or SCTP (validation.go supportedPortProtocols). */
export const ProtocolSchema = z.enum(["TCP", "UDP", "SCTP"]);

/** A port given as a number or as a named container port (intstr.IntOrString). */
export const IntOrStringSchema = z.union([z.number().int(), z.string()]);

/** A label or annotation map: string keys, string values. */
export const StringMapSchema = z.record(z.string(), z.string());

/** The metadata fields svcsim reads. */
export const ObjectMetaManifestSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  labels: StringMapSchema.optional(),
  annotations: StringMapSchema.optional(),
  deletionTimestamp: z.string().optional(),
  uid: z.string().optional(),
});

/** metadata as written in a manifest, before defaulting. */
export type ObjectMetaManifest = z.output<typeof ObjectMetaManifestSchema>;

const ARTICLE: Record<string, string> = {
  int: "an integer",
  // Every numeric manifest field svcsim reads is an int32/int64.
  number: "an integer",
  string: "a string",
  boolean: "a boolean (true or false)",
  array: "a list",
  object: "an object",
  record: "an object",
};

/**
 * The error map used for every manifest parse: says what was expected and
 * what was found. Custom issues (from validation) carry their own message.
 */
export const manifestErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `must be ${ARTICLE[issue.expected] ?? issue.expected}, got ${showValue(issue.input)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${showValue(issue.input)}`;
    case "invalid_union":
      if (issue.input === undefined) return "is required";
      return `must be a port number or a port name, got ${showValue(issue.input)}`;
    default:
      return undefined;
  }
};

/** Converts zod issues to problems (paths without symbols). */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  return issues.map((issue) => ({
    path: issue.path.filter((p): p is string | number => typeof p !== "symbol"),
    message: issue.message,
  }));
}

/**
 * Adds every problem to a zod refinement context, so that a composed schema
 * (shape → defaults → validation) reports all of them as zod issues.
 */
export function reportProblems(ctx: z.RefinementCtx, problems: readonly Problem[]): void {
  for (const p of problems) ctx.addIssue({ code: "custom", message: p.message, path: [...p.path] });
}
