/** The readable walk `svcsim explain` prints without `--json`. */
import { formatIPv4 } from "../net/index.ts";
import type { ExplainVerdict } from "../netfilter/index.ts";
import type { FlowBranch, FlowExplanation, TableStep } from "./explain-flow.ts";
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
  const where = b.fate !== "ACCEPT" ? "refused" : b.deliveredLocally ? "delivered on this node" : "forwarded";
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
  const lines = [
    `${answer.name}: ${origin}`,
    `  output: ${answer.output === "" ? '"" (no Service rule matched)' : answer.output}`,
    `  masq: ${answer.masq}   rules evaluated: ${answer.rulesEvaluated} (most on any path)`,
  ];
  e.branches.forEach((b, i) => {
    lines.push("", branchHeader(b, i, e.branches.length), ...b.steps.flatMap(stepLines));
  });
  if (e.truncated) lines.push("", "  (more paths exist: the walk stopped at 4096)");
  return lines.join("\n");
}
