import * as z from "zod";
import { DurationSchema } from "./schema-values.ts";

/**
 * Timeline actions that inject faults. Each names a node (or a Pod) the
 * schema checks against `cluster.nodes`; `scenario/faults.ts` performs them.
 */

const at = DurationSchema;

/** A link's new latency, loss or state; fields left out keep their value. */
const linkChange = {
  /** One-way latency. */
  latency: DurationSchema.optional(),
  /** Loss probability, drawn from the link's seeded stream. */
  loss: z.number().min(0).max(1).optional(),
  /** false: the link is cut (`link-down`); true: restored. */
  up: z.boolean().optional(),
};

export const FaultActionSchemas = [
  /** kube-proxy on `node` dies: its rules stay in the kernel as they are, nothing updates them. */
  z.object({ at, action: z.literal("kill-proxy"), node: z.string() }),
  /** kube-proxy on `node` starts again: a fresh LIST, a full sync and its conntrack cleanup. */
  z.object({ at, action: z.literal("restart-proxy"), node: z.string() }),
  /** The node stops answering: every packet to, from or through it is dropped (`node-down`). */
  z.object({ at, action: z.literal("node-down"), node: z.string() }),
  /** The node is reachable again; its kubelet and kube-proxy report and resync. */
  z.object({ at, action: z.literal("node-up"), node: z.string() }),
  /** The fabric link between nodes `a` and `b` changes. */
  z.object({ at, action: z.literal("link"), a: z.string(), b: z.string(), ...linkChange }),
  /** Every fabric link of `node` changes (toward every other node). */
  z.object({ at, action: z.literal("node-links"), node: z.string(), ...linkChange }),
  /** The Pod dies at once: no SIGTERM, no FIN, its object removed (its controller replaces it). */
  z.object({ at, action: z.literal("crash-pod"), pod: z.string(), namespace: z.string().default("default") }),
  /** `conntrack -F` on `node`. */
  z.object({ at, action: z.literal("conntrack-flush"), node: z.string() }),
] as const;

/** The node names a fault action refers to, with the path of each inside the action. */
export function faultNodeRefs(action: Record<string, unknown>): { key: string; name: string }[] {
  const kind = action.action;
  if (kind === "crash-pod" || !FaultActionSchemas.some((s) => s.shape.action.value === kind)) return [];
  const keys = kind === "link" ? ["a", "b"] : ["node"];
  return keys.flatMap((key) => (typeof action[key] === "string" ? [{ key, name: action[key] as string }] : []));
}
