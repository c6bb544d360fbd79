import type { Hook } from "../trace/index.ts";
import type { CompiledRuleset } from "./compile.ts";
import type { EvalContext, NetfilterPacket, Verdict } from "./context.ts";
import { type EvaluateOptions, evaluateTable, type TableResult } from "./evaluate.ts";
import { HOOK_ORDER } from "./hooks.ts";

/** What a whole hook did to a packet: each table's result and the combined outcome. */
export interface HookResult {
  hook: Hook;
  /** DROP or REJECT from the first table that refused the packet, else ACCEPT. */
  verdict: Verdict;
  /** The NAT a nat table chose at this hook (DNAT at PREROUTING/OUTPUT, SNAT/MASQUERADE at POSTROUTING/INPUT). */
  nat?: Extract<Verdict, { kind: "DNAT" | "SNAT" | "MASQUERADE" }>;
  tables: TableResult[];
  rulesEvaluated: number;
}

/**
 * Runs a packet through every table registered at `hook`, in the kernel's
 * priority order (see HOOK_ORDER), stopping at the first DROP or REJECT.
 *
 * The nat table is walked only when the connection is NEW or RELATED (the
 * kernel's nf_nat_inet_fn runs the table only until the NAT binding is set
 * up). A DNAT chosen in nat is applied to the view later tables of the
 * same hook see (its first address and port, as a range's choice is not
 * modelled); the caller's packet is not rewritten — conntrack applies NAT.
 */
export function traverseHook(
  compiled: CompiledRuleset,
  hook: Hook,
  pkt: NetfilterPacket,
  ctx: EvalContext,
  options: EvaluateOptions = {},
): HookResult {
  const out: HookResult = { hook, verdict: { kind: "ACCEPT" }, tables: [], rulesEvaluated: 0 };
  const state = ctx.ct?.state ?? "NEW";
  let view = pkt;
  for (const step of HOOK_ORDER[hook]) {
    if (step.kind !== "table" || !compiled.tables.has(step.table)) continue;
    if (step.firstPacketOnly && (options.natDone || (state !== "NEW" && state !== "RELATED"))) continue;
    const r = evaluateTable(compiled, step.table, hook, view, ctx, options);
    if (view !== pkt) pkt.mark = view.mark;
    out.tables.push(r);
    out.rulesEvaluated += r.rulesEvaluated;
    const v = r.verdict;
    if (v.kind === "DROP" || v.kind === "REJECT") {
      out.verdict = v;
      break;
    }
    if (v.kind === "DNAT" || v.kind === "SNAT" || v.kind === "MASQUERADE") {
      out.nat = v;
      if (v.kind === "DNAT") {
        view = { ...pkt, dst: v.range.minIp, dstPort: v.range.ports ? v.range.ports.lo : pkt.dstPort };
      }
    }
  }
  return out;
}
