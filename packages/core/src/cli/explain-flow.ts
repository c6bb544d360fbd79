import { ns } from "../engine/index.ts";
import type { IPv4, IpProto } from "../net/index.ts";
import {
  ADDR_TYPES,
  type CompiledRuleset,
  type ConntrackView,
  classifyAddress,
  type ExplainVerdict,
  explainChain,
  type MatchedRule,
  type NetfilterPacket,
  type StatisticDecision,
  type TableName,
  tablesAt,
} from "../netfilter/index.ts";
import type { Hook } from "../trace/index.ts";
import { type Refusal, refusalOf } from "./explain-reason.ts";
import { type WalkedRule, walkedRules } from "./rules-walked.ts";

/** One packet to explain: the first packet of a new connection. */
export interface Flow {
  readonly name: string;
  readonly src: IPv4;
  readonly dst: IPv4;
  readonly dstPort: number;
  readonly proto: Exclude<IpProto, "ICMP">;
}

/** Where the packet starts: from a process on the node (OUTPUT) or from the wire or a Pod (PREROUTING). */
export type FlowOrigin = "local" | "remote";

/** What one table did on one branch. */
export interface TableStep {
  readonly hook: Hook;
  readonly table: TableName;
  readonly verdict: ExplainVerdict;
  readonly byPolicy: boolean;
  readonly matchedRules: readonly MatchedRule[];
  readonly decisions: readonly StatisticDecision[];
  /** The rules the kernel's linear walk tests on this branch in this table, in order. */
  readonly walked: readonly WalkedRule[];
}

/** One way the packet can go, with its probability (the product of its statistic decisions). */
export interface FlowBranch {
  readonly probability: number;
  readonly steps: readonly TableStep[];
  /** The destination after PREROUTING/OUTPUT (DNAT applied), and whether it is local to the node. */
  readonly dnat?: { readonly ip: IPv4; readonly port: number };
  readonly deliveredLocally: boolean;
  /** DROP or REJECT when a table refused the packet, else ACCEPT (it left the node or reached a local socket). */
  readonly fate: "ACCEPT" | "DROP" | "REJECT";
  /** What refused it, when `fate` is DROP or REJECT. */
  readonly refusal?: Refusal;
  /** The source NAT chosen at POSTROUTING, if any. */
  readonly snat?: "MASQUERADE" | "SNAT";
  readonly rulesEvaluated: number;
}

/** Every way a flow can go through the node's tables. */
export interface FlowExplanation {
  readonly flow: Flow;
  readonly origin: FlowOrigin;
  readonly branches: readonly FlowBranch[];
  /** True when the number of branches hit the cap and some were not explored. */
  readonly truncated: boolean;
}

/** The node facts the walk needs. */
export interface FlowNode {
  /** The node's own addresses (127.0.0.0/8 is always local). */
  readonly localAddresses: ReadonlySet<IPv4>;
}

interface State {
  pkt: NetfilterPacket;
  ct: ConntrackView;
  prob: number;
  steps: TableStep[];
  dnat?: { ip: IPv4; port: number };
  snat?: "MASQUERADE" | "SNAT";
  fate?: "DROP" | "REJECT";
  refusal?: Refusal;
}

const MAX_BRANCHES = 4096;
const LOCAL = ADDR_TYPES.indexOf("LOCAL");

/** The hooks after the first one, once routing knows whether the (translated) destination is local. */
// why: the kernel's IPv4 paths — ip_rcv → PREROUTING → ip_local_deliver (INPUT) or ip_forward
// (FORWARD → POSTROUTING); __ip_local_out → OUTPUT → POSTROUTING, and a local destination
// comes back through loopback to INPUT (PREROUTING's nat does not run again: the
// connection's NAT is already set up).
function laterHooks(origin: FlowOrigin, local: boolean): Hook[] {
  if (origin === "remote") return local ? ["INPUT"] : ["FORWARD", "POSTROUTING"];
  return local ? ["POSTROUTING", "INPUT"] : ["POSTROUTING"];
}

class Walker {
  readonly done: State[] = [];
  truncated = false;
  constructor(
    readonly compiled: CompiledRuleset,
    readonly node: FlowNode,
    readonly origin: FlowOrigin,
  ) {}

  isLocal(ip: IPv4): boolean {
    return classifyAddress(ip, this.node.localAddresses, undefined) === LOCAL;
  }

  /** The tables of `hook`, in kernel order, that this walk runs. */
  tablesOf(hook: Hook): TableName[] {
    // why: nf_nat only walks the nat table while the connection's NAT is not set up; a
    // looped-back local packet already has it.
    return tablesAt(hook).filter((t) => !(t === "nat" && hook === "INPUT" && this.origin === "local"));
  }

  /** Depth-first: walks table `t` of `hooks[h]`, then the rest, forking at each explained branch. */
  walk(st: State, hooks: readonly Hook[], h: number, t: number): void {
    const hook = hooks[h];
    if (this.truncated) return;
    if (hook === undefined) {
      this.finish(st);
      return;
    }
    const tables = this.tablesOf(hook);
    const table = tables[t];
    if (table === undefined) {
      const next = h === 0 ? [hook, ...laterHooks(this.origin, this.isLocal(st.pkt.dst))] : hooks;
      this.walk(st, next, h + 1, 0);
      return;
    }
    // why: an untracked packet (NOTRACK in raw) has no conntrack entry, so no NAT.
    const outcomes = table === "nat" && st.ct.state === "UNTRACKED" ? [st] : this.table(st, hook, table);
    for (const next of outcomes) {
      if (next.fate) this.finish(next);
      else this.walk(next, hooks, h, t + 1);
    }
  }

  table(st: State, hook: Hook, table: TableName): State[] {
    if (!this.compiled.tables.get(table)?.chains.get(hook)?.builtin) return [st];
    const outDev = hook === "INPUT" ? undefined : this.isLocal(st.pkt.dst) ? "lo" : "eth0";
    const inDev = hook === "INPUT" && this.origin === "local" ? "lo" : this.origin === "remote" ? "eth0" : undefined;
    const ctx = { now: ns(0), ct: st.ct, localAddresses: this.node.localAddresses, inDev, outDev };
    const result = explainChain(this.compiled, table, hook, st.pkt, ctx, { maxOutcomes: MAX_BRANCHES });
    if (result.truncated) this.truncated = true;
    const out: State[] = [];
    for (const o of result.outcomes) {
      const step: TableStep = {
        hook,
        table,
        verdict: o.verdict,
        byPolicy: o.byPolicy,
        matchedRules: o.matchedRules,
        decisions: o.decisions,
        walked: walkedRules(this.compiled, table, hook, o.matchedRules, o.decisions),
      };
      const next: State = { ...st, pkt: { ...st.pkt, mark: o.mark }, prob: st.prob * o.probability };
      next.steps = [...st.steps, step];
      if (o.notrack) next.ct = { state: "UNTRACKED" };
      const v = o.verdict;
      if (v.kind === "DROP" || v.kind === "REJECT") {
        next.fate = v.kind;
        next.refusal = refusalOf(this.compiled, { table, hook }, v.kind, o.matchedRules, o.byPolicy);
      }
      if (v.kind === "DNAT") {
        // why: nf_nat_setup_info rewrites the destination; later tables (and routing) see the
        // new one. A range's choice is not modelled: its first address and port are used.
        const port = v.range.ports ? v.range.ports.lo : st.pkt.dstPort;
        next.dnat = { ip: v.range.minIp, port };
        next.pkt = { ...next.pkt, dst: v.range.minIp, dstPort: port };
        next.ct = { ...next.ct, dnat: true };
      } else if (v.kind === "SNAT" || v.kind === "MASQUERADE") {
        next.snat = v.kind;
        next.ct = { ...next.ct, snat: true };
      }
      out.push(next);
    }
    return out;
  }

  finish(st: State): void {
    if (this.done.length >= MAX_BRANCHES) this.truncated = true;
    else this.done.push(st);
  }
}

/**
 * Explains where a new connection's first packet can go through a node's
 * tables: the kernel's hook order (PREROUTING or OUTPUT, then INPUT or
 * FORWARD and POSTROUTING after routing on the translated destination), each
 * table walked with kernel semantics by `explainChain`, so every
 * `-m statistic` branch is followed and listed with its probability.
 *
 * A source that is one of the node's addresses (or 127.0.0.0/8) is locally
 * generated (OUTPUT); any other source arrives on `eth0` (PREROUTING).
 * Conntrack state is NEW (with the DNAT bit once translated); `-m recent`
 * lists are read as they are in `compiled` (empty for fresh rules).
 */
export function explainFlow(compiled: CompiledRuleset, flow: Flow, node: FlowNode): FlowExplanation {
  const local = (ip: IPv4) => classifyAddress(ip, node.localAddresses, undefined) === LOCAL;
  const origin: FlowOrigin = local(flow.src) ? "local" : "remote";
  const walker = new Walker(compiled, node, origin);
  const pkt: NetfilterPacket = {
    proto: flow.proto,
    src: flow.src,
    dst: flow.dst,
    srcPort: 40000,
    dstPort: flow.dstPort,
    mark: 0,
    length: 60,
  };
  walker.walk({ pkt, ct: { state: "NEW" }, prob: 1, steps: [] }, [origin === "local" ? "OUTPUT" : "PREROUTING"], 0, 0);
  const branches = walker.done.map((st): FlowBranch => {
    const b = {
      probability: st.prob,
      steps: st.steps,
      deliveredLocally: local(st.pkt.dst),
      fate: st.fate ?? ("ACCEPT" as const),
      rulesEvaluated: st.steps.reduce((n, s) => n + s.walked.length, 0),
    };
    return {
      ...b,
      ...(st.dnat ? { dnat: st.dnat } : {}),
      ...(st.snat ? { snat: st.snat } : {}),
      ...(st.refusal ? { refusal: st.refusal } : {}),
    };
  });
  return { flow, origin, branches, truncated: walker.truncated };
}
