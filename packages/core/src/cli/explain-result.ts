import { formatIPv4 } from "../net/index.ts";
import type { FlowBranch, FlowExplanation } from "./explain-flow.ts";

/** One flow's answer, in kube-proxy's packet-flow tracer vocabulary (the `--json` line). */
export interface FlowAnswer {
  readonly name: string;
  /** Possible DNAT destinations (ascending), or DROP / REJECT / ACCEPT, or "" when no Service rule decided. */
  readonly output: string;
  /** True when some possible path jumped to KUBE-MARK-MASQ. */
  readonly masq: boolean;
  /** The most rules the kernel's linear walk tests on any possible path (the worst case). */
  readonly rulesEvaluated: number;
  /** Every matched rule, as `-t <table> -A <chain> …`, table by table in walk order, each once. */
  readonly path: readonly string[];
}

const MARK_MASQ = "KUBE-MARK-MASQ";

/**
 * What one branch amounts to, as kube-proxy's tracer would name it: the
 * refusal if a table dropped or rejected the packet, else the DNAT
 * destination, else ACCEPT when an explicit ACCEPT rule in a kube-proxy
 * chain (`KUBE-*`, e.g. a health-check NodePort) let it in, else "".
 */
// why: proxier_test.go tracePacket — outputs are the DNAT `--to-destination`
// of nat rules and the ACCEPT/DROP/REJECT of the KUBE-* filter chains it runs.
export function branchOutput(b: FlowBranch): string {
  if (b.fate !== "ACCEPT") return b.fate;
  if (b.dnat) return `${formatIPv4(b.dnat.ip)}:${b.dnat.port}`;
  const acceptedByService = b.steps.some((s) => {
    const last = s.matchedRules.at(-1);
    return !s.byPolicy && s.verdict.kind === "ACCEPT" && last?.chain.startsWith("KUBE-") === true;
  });
  return acceptedByService ? "ACCEPT" : "";
}

/** True when the branch jumped to KUBE-MARK-MASQ (the packet is marked for masquerading). */
export function branchMasq(b: FlowBranch): boolean {
  return b.steps.some((s) =>
    s.matchedRules.some((m) => {
      const t = m.rule.target;
      return (t.kind === "jump" || t.kind === "goto") && t.chain === MARK_MASQ;
    }),
  );
}

/**
 * The output string: DNAT destinations sorted ascending as strings — the
 * order kube-proxy writes endpoints in, so it equals the tracer's — then
 * DROP/REJECT/ACCEPT in order of first appearance; "" branches count only
 * when nothing else was found.
 */
// why: endpointslicecache.go endpointsMapFromEndpointInfo sorts endpoints by
// Endpoint.String() ("ip:port"), and KUBE-SVC-* chains list them in that order.
export function combineOutputs(outputs: readonly string[]): string {
  const dnats = [...new Set(outputs.filter((o) => /^\d/.test(o)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const words = [...new Set(outputs.filter((o) => o !== "" && !/^\d/.test(o)))];
  return [...dnats, ...words].join(", ");
}

/** Every matched rule once, grouped by (hook, table) in order of first visit. */
function pathOf(e: FlowExplanation): string[] {
  const stages = new Map<string, Map<string, string>>();
  for (const b of e.branches) {
    for (const s of b.steps) {
      const key = `${s.hook}/${s.table}`;
      let rules = stages.get(key);
      if (!rules) stages.set(key, (rules = new Map()));
      for (const m of s.matchedRules) {
        const id = `${m.chain}#${m.index}`;
        if (!rules.has(id)) rules.set(id, `-t ${m.table} ${m.ruleText}`);
      }
    }
  }
  return [...stages.values()].flatMap((rules) => [...rules.values()]);
}

/** Summarizes an explanation in the tracer's vocabulary. */
export function answerOf(e: FlowExplanation): FlowAnswer {
  return {
    name: e.flow.name,
    output: combineOutputs(e.branches.map(branchOutput)),
    masq: e.branches.some(branchMasq),
    rulesEvaluated: e.branches.reduce((n, b) => Math.max(n, b.rulesEvaluated), 0),
    path: pathOf(e),
  };
}
