/**
 * Turns one decoded value (from YAML, JSON or built in TypeScript) into a
 * normalized, validated object — or the list of everything wrong with it.
 */
import { z } from "zod";
import { InputError } from "../engine/index.ts";
import { isSupportedKind, KINDS, SUPPORTED_KINDS } from "./kinds.ts";
import type { Problem, Source } from "./problems.ts";
import { formatObjectRef, formatProblem, showValue } from "./problems.ts";
import { issuesToProblems, manifestErrorMap, reportProblems } from "./schemas/common.ts";
import type { KubeKind, KubeObject } from "./types.ts";

/** The result of inspecting one value. */
export type ParseOutcome =
  | { status: "ok"; object: KubeObject; ref: string }
  | { status: "invalid"; ref: string | undefined; problems: Problem[] }
  | { status: "unsupported"; kind: string; apiVersion: unknown; suggestion: KubeKind | undefined };

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** A supported kind the user probably meant (`Servce`, `service` → Service), if any. */
export function suggestKind(kind: string): KubeKind | undefined {
  const lower = kind.toLowerCase();
  return SUPPORTED_KINDS.find((k) => k.toLowerCase() === lower || editDistance(k.toLowerCase(), lower) <= 2);
}

function objectRef(kind: KubeKind, value: Record<string, unknown>): string {
  const meta = (value.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === "string" ? meta.name : undefined;
  const ns = typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default";
  return formatObjectRef(kind, KINDS[kind].namespaced ? ns : undefined, name);
}

/** Inspects one value: a valid object, the problems with it, or a kind svcsim does not model. */
export function inspectObject(value: unknown): ParseOutcome {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const message = `must be a Kubernetes object (a mapping with apiVersion, kind and metadata), got ${showValue(value)}`;
    return { status: "invalid", ref: undefined, problems: [{ path: [], message }] };
  }
  const raw = value as Record<string, unknown>;
  if (typeof raw.kind !== "string" || raw.kind === "") {
    const message = raw.kind === undefined ? "is required" : `must be a string, got ${showValue(raw.kind)}`;
    return { status: "invalid", ref: undefined, problems: [{ path: ["kind"], message }] };
  }
  const kind = raw.kind;
  if (!isSupportedKind(kind))
    return { status: "unsupported", kind, apiVersion: raw.apiVersion, suggestion: suggestKind(kind) };
  const info = KINDS[kind];
  const ref = objectRef(kind, raw);
  if (raw.apiVersion !== info.apiVersion) {
    const message = `must be "${info.apiVersion}" for kind ${kind}, got ${showValue(raw.apiVersion)}`;
    return { status: "invalid", ref, problems: [{ path: ["apiVersion"], message }] };
  }
  const result = info.schema.safeParse(raw, { error: manifestErrorMap });
  if (!result.success) return { status: "invalid", ref, problems: issuesToProblems(result.error.issues) };
  return { status: "ok", object: result.data, ref };
}

/** The problem line for a kind svcsim does not model. */
export function unsupportedKindMessage(kind: string, suggestion: KubeKind | undefined): string {
  const hint = suggestion === undefined ? "" : `; did you mean ${suggestion}?`;
  return `kind ${kind} is not supported (supported: ${SUPPORTED_KINDS.join(", ")})${hint}`;
}

/**
 * Parses one object built in code or decoded elsewhere (scenario files).
 * `where` names it in errors (a file name, or a label such as
 * `scenario.objects[3]`). Throws `InputError` listing every problem. No
 * ClusterIP or NodePort is allocated here: use `loadObjects` for a set.
 */
export function parseObject(value: unknown, where: Source | string): KubeObject {
  const source = typeof where === "string" ? { file: where } : where;
  const outcome = inspectObject(value);
  if (outcome.status === "ok") return outcome.object;
  if (outcome.status === "unsupported") {
    throw new InputError([
      formatProblem(source, undefined, { path: [], message: unsupportedKindMessage(outcome.kind, outcome.suggestion) }),
    ]);
  }
  throw new InputError(outcome.problems.map((p) => formatProblem(source, outcome.ref, p)));
}

/**
 * A zod schema for any supported object, dispatched on `kind`, for embedding
 * in larger schemas (scenario files). Its issues carry svcsim's messages.
 */
export const KubeObjectSchema: z.ZodType<KubeObject, unknown> = z.unknown().transform((value, ctx) => {
  const outcome = inspectObject(value);
  if (outcome.status === "ok") return outcome.object;
  if (outcome.status === "unsupported") {
    reportProblems(ctx, [{ path: ["kind"], message: unsupportedKindMessage(outcome.kind, outcome.suggestion) }]);
  } else reportProblems(ctx, outcome.problems);
  return z.NEVER;
});
