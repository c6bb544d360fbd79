/** The readable walk `svcsim explain` prints without `--json`. */
import { formatIPv4 } from "../net/index.ts";
import type { ExplainVerdict } from "../netfilter/index.ts";
import type { FlowBranch, FlowExplanation, TableStep } from "./explain-flow.ts";
import type { Refusal } from "./explain-reason.ts";
import type { FlowAnswer } from "./explain-result.ts";
import { branchMasq, branchOutput } from "./explain-result.ts";

const pct = (p: number) => `${(p * 100).toFixed(p === 1 || p === 0 ? 0 : 2)}%`;

function verdictText(v: ExplainVerdict, byPolicy: boolean): string {
  switch (v.kind) {
    case "DNAT":
    case "SNAT": {
      const ports = v.range.ports
        ? `:${v.range.ports.lo}${v.range.ports.hi !== v.range.ports.lo ? `-${v.range.ports.hi}` : ""}`
        : "";
      return `${v.kind} ${formatIPv4(v.range.minIp)}${ports}`;
    }
    case "REJECT":
      return `REJECT (${v.with})`;
    default:
      return byPolicy ? `${v.kind} (policy)` : v.kind;
  }
}

/** A rule's kube-proxy comment, if it has one. */
function commentOf(ruleText: string): string | undefined {
  return /--comment (?:"([^"]*)"|(\S+))/
    .exec(ruleText)
    ?.slice(1)
    .find((c) => c !== undefined);
}

/**
 * Why a path was refused, in words: `DROP (source-range: 203.0.113.200 not in
 * loadBalancerSourceRanges of default/web:http; allowed: 203.0.113.0/25)`.
 * The word before the colon is the drop reason svcsim's traces use.
 */
export function refusalText(r: Refusal, src: string): string {
  const why = ((): string => {
    switch (r.reason) {
      case "source-range": {
        const allowed = r.allowed && r.allowed.length > 0 ? `; allowed: ${r.allowed.join(", ")}` : "";
        return `${src} not in loadBalancerSourceRanges of ${r.service}${allowed}`;
      }
      case "no-local-endpoints":
        return `${r.service} has no local endpoints on this node and its ${r.policy} is Local`;
      case "no-endpoints":
        return `${r.service} has no endpoints`;
      case "conntrack-invalid":
        return `conntrack state INVALID (${r.chain} rule ${r.rule?.index})`;
      default: {
        if (!r.rule) return `policy of ${r.table} ${r.chain}`;
        const comment = commentOf(r.rule.ruleText);
        return `${r.table} ${r.chain} rule ${r.rule.index}${comment ? `: ${comment}` : ""}`;
      }
    }
  })();
  return `${r.verdict} (${r.reason}: ${why})`;
}

function stepLines(s: TableStep): string[] {
  const lines = [`    ${s.table} ${s.hook}: ${s.walked.length} rules tested`];
  for (const w of s.walked) {
    const d = w.decision;
    const draw = d ? `   [random ${d.passed ? "taken" : "not taken"}, p=${d.probability.toFixed(4)}]` : "";
    if (w.matched) lines.push(`      ${w.ruleText}${draw}`);
    else if (d) lines.push(`      (${w.chain} rule ${w.index})${draw}`);
  }
  lines.push(`      => ${verdictText(s.verdict, s.byPolicy)}`);
  return lines;
}

function branchHeader(b: FlowBranch, i: number, n: number): string {
  const out = branchOutput(b);
  const where =
    b.fate !== "ACCEPT"
      ? `refused${b.refusal ? ` (${b.refusal.reason})` : ""}`
      : b.deliveredLocally
        ? "delivered on this node"
        : "forwarded";
  const parts = [
    out === "" ? "no Service rule" : out,
    where,
    ...(branchMasq(b) ? ["masqueraded"] : []),
    ...(b.snat ? [`${b.snat} at POSTROUTING`] : []),
    `${b.rulesEvaluated} rules tested`,
  ];
  return `  path ${i + 1} of ${n} (${pct(b.probability)}): ${parts.join(", ")}`;
}

/** The readable walk of one flow: the answer, then every possible path table by table. */
export function formatExplanation(e: FlowExplanation, answer: FlowAnswer): string {
  const origin =
    e.origin === "local" ? "from this node (locally generated: OUTPUT)" : "arriving at the node (PREROUTING)";
  const src = formatIPv4(e.flow.src);
  const why = [...new Set(e.branches.flatMap((b) => (b.refusal ? [refusalText(b.refusal, src)] : [])))];
  const lines = [
    `${answer.name}: ${origin}`,
    `  output: ${answer.output === "" ? '"" (no Service rule matched)' : answer.output}`,
    ...why.map((w) => `  why: ${w}`),
    `  masq: ${answer.masq}   rules evaluated: ${answer.rulesEvaluated} (most on any path)`,
  ];
  e.branches.forEach((b, i) => {
    lines.push("", branchHeader(b, i, e.branches.length), ...b.steps.flatMap(stepLines));
  });
  if (e.truncated) lines.push("", "  (more paths exist: the walk stopped at 4096)");
  return lines.join("\n");
}
