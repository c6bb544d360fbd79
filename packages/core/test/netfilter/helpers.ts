import { ns } from "../../src/engine/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import {
  type CompiledRuleset,
  compileRuleset,
  type EvalContext,
  type NetfilterPacket,
  parseIptablesSave,
} from "../../src/netfilter/index.ts";

/** A one-table ruleset from a few lines: chains are declared from the `-A` lines found. */
export function rules(table: "filter" | "nat" | "mangle" | "raw", lines: string[]): CompiledRuleset {
  const builtins = new Set(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
  const chains = [...new Set(lines.map((l) => l.split(" ")[1] as string))].filter((c) => !builtins.has(c));
  const targets = lines.flatMap((l) => [...l.matchAll(/-[jg] ([A-Z][A-Z0-9-]*)/g)].map((m) => m[1] as string));
  const known = new Set([
    "ACCEPT",
    "DROP",
    "RETURN",
    "REJECT",
    "DNAT",
    "SNAT",
    "MASQUERADE",
    "MARK",
    "LOG",
    "NOTRACK",
    "CT",
  ]);
  for (const t of targets) if (!known.has(t) && !builtins.has(t) && !chains.includes(t)) chains.push(t);
  const text = [`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...lines, "COMMIT", ""].join("\n");
  return compileRuleset(parseIptablesSave(text));
}

/** A TCP packet. */
export function tcp(src: string, dst: string, dstPort: number, srcPort = 40000, mark = 0): NetfilterPacket {
  return { proto: "TCP", src: parseIPv4(src), dst: parseIPv4(dst), srcPort, dstPort, mark, length: 60 };
}

/** An evaluation context with a fixed random draw. */
export function ctx(over: Partial<EvalContext> = {}): EvalContext {
  return { now: ns(0), random: () => 0.5, ...over };
}
