/**
 * svcsim's answer for one probe packet: every way the node's ruleset can
 * treat it, as `svcsim explain` finds it (cli `explainFlow`: the kernel's
 * hook order, each table walked by netfilter's `explainChain`, which follows
 * both branches of every `-m statistic` match). A probe from one of the
 * node's addresses is locally generated (OUTPUT), any other arrives from the
 * wire (PREROUTING). `-m recent` lists are read from the compiled ruleset,
 * which the harness updates with the kernel's earlier choices.
 */
import { explainFlow } from "../../src/cli/explain-flow.ts";
import { ns } from "../../src/engine/index.ts";
import { formatIPv4, parseIPv4 } from "../../src/net/index.ts";
import type { CompiledRuleset, MatchedRule, RecentMatch } from "../../src/netfilter/index.ts";

/** What happened to a packet, in the terms both svcsim and the kernel can be read in. */
export interface Fate {
  readonly kind: "dnat" | "accept" | "reject" | "drop";
  /** For dnat: the endpoint `ip:port` the destination became. */
  readonly dest?: string;
  /** For dnat and accept: whether the source was rewritten (MASQUERADE/SNAT). */
  readonly masq?: boolean;
}

/** One of svcsim's possible fates, with its share and the rules on its path. */
export interface PredictedFate extends Fate {
  readonly probability: number;
  readonly path: readonly MatchedRule[];
}

/** A probe as svcsim reads it. */
export interface ProbePacket {
  readonly proto: "tcp" | "udp";
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  /** Sent by a process on the node (OUTPUT) rather than arriving from another host (PREROUTING). */
  readonly fromNode: boolean;
}

/** A fate as one comparable string: `dnat 10.180.0.1:80 masq`, `accept`, `reject`, `drop`. */
export function fateKey(f: Fate): string {
  if (f.kind === "reject" || f.kind === "drop") return f.kind;
  const dest = f.kind === "dnat" ? ` ${f.dest}` : "";
  return `${f.kind}${dest}${f.masq ? " masq" : ""}`;
}

/** The clock explain reads `-m recent` with; the kernel's choices are recorded at the same time. */
export const PREDICT_NOW = ns(0);

/** Every fate svcsim gives the probe, with its probability. */
export function predict(rs: CompiledRuleset, probe: ProbePacket, nodeAddresses: readonly string[]): PredictedFate[] {
  const flow = {
    name: "probe",
    src: parseIPv4(probe.src),
    dst: parseIPv4(probe.dst),
    dstPort: probe.dport,
    proto: probe.proto === "tcp" ? ("TCP" as const) : ("UDP" as const),
  };
  const r = explainFlow(rs, flow, { localAddresses: new Set(nodeAddresses.map(parseIPv4)) });
  if (r.truncated) throw new Error(`explain truncated for ${probe.src} > ${probe.dst}:${probe.dport}`);
  if ((r.origin === "local") !== probe.fromNode) throw new Error(`explain took ${probe.src} as ${r.origin}`);
  return r.branches.map((b): PredictedFate => {
    const base = { probability: b.probability, path: b.steps.flatMap((s) => s.matchedRules) };
    if (b.fate === "DROP") return { kind: "drop", ...base };
    if (b.fate === "REJECT") return { kind: "reject", ...base };
    const masq = b.snat !== undefined;
    if (!b.dnat) return { kind: "accept", masq, ...base };
    return { kind: "dnat", dest: `${formatIPv4(b.dnat.ip)}:${b.dnat.port}`, masq, ...base };
  });
}

/** The `-m recent --set` matches on a fate's path: what the kernel recorded when it took that path. */
export function recentSets(f: PredictedFate): RecentMatch[] {
  return f.path.flatMap((m) =>
    m.rule.matches.filter((x): x is RecentMatch => x.kind === "recent" && x.command === "set"),
  );
}
