/**
 * One size of the iptables benchmark: program a node with N Services, then
 * count the rules the kernel would evaluate per packet (exact, from the
 * simulator) and time the simulator itself per packet.
 */
import { ns, RandomStream } from "../packages/core/src/engine/index.ts";
import {
  type CompiledRuleset,
  compileRuleset,
  type EvalContext,
  type EvaluateOptions,
  type NetfilterPacket,
  traverseHook,
} from "../packages/core/src/netfilter/index.ts";
import { IptablesLoader, IptablesProgrammer } from "../packages/core/src/proxy/index.ts";
import { clusterView, LOCAL_ADDRESSES, packetTo, proxierConfig } from "./iptables-cluster.ts";
import { median, mulberry32 } from "./stats.ts";

/** Mean, min and max of a per-packet rule count. */
export interface Spread {
  mean: number;
  min: number;
  max: number;
}

/** Wall time of the simulator per packet: every round's figure and their median, in microseconds. */
export interface WallTime {
  packetsPerRound: number;
  medianUs: number;
  roundsUs: number[];
}

/** What programming the node cost the simulator. */
export interface ProgramCost {
  /** IptablesProgrammer.sync: kube-proxy's iptables-restore input, applied to the model of the kernel tables. */
  syncMs: number;
  /** The programmed tables loaded into the netfilter rule model, as IptablesProxy.sync does (IptablesLoader). */
  loadMs: number;
  /** Compiling the rules into tests, with the chain index. */
  compileMs: number;
  totalMs: number;
  /** Heap held afterwards (after a GC): programmer state + rule model + compiled rules; undefined without --expose-gc. */
  retainedHeapMB?: number;
  /** The process's peak resident set so far (includes the input objects and Node itself). */
  peakRssMB: number;
}

/** One size's figures. */
export interface IptablesSizeResult {
  services: number;
  endpointsPerService: number;
  rules: { nat: number; filter: number };
  program: ProgramCost;
  /** Rules evaluated by the first packet of a new connection, over one connection to every Service. */
  newConnection: { natPrerouting: Spread; allHooks: Spread };
  /** Rules evaluated by a packet of an established connection (the same for every Service). */
  established: { nat: number; filter: number; allHooks: number };
  /** The simulator's time per new-connection packet (PREROUTING + FORWARD + POSTROUTING), indexed. */
  indexed: WallTime;
  /** The same, every packet to one Service (cache-warm): the evaluator's own cost, without memory stalls. */
  warm: WallTime;
  /** The same as `indexed` through the plain linear evaluator. */
  linear: WallTime;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);
const gc = (globalThis as { gc?: () => void }).gc;

/** Programs the node as kube-proxy would and loads the result as the node's netfilter rules. */
export function programNode(services: number, endpoints: number): { compiled: CompiledRuleset; cost: ProgramCost } {
  const view = clusterView(services, endpoints);
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const programmer = new IptablesProgrammer(proxierConfig());
  programmer.sync(view, true, ns(0));
  const t1 = performance.now();
  const ruleset = new IptablesLoader().load(programmer.tables, ["filter", "nat"], "bench");
  const t2 = performance.now();
  const compiled = compileRuleset(ruleset);
  const t3 = performance.now();
  gc?.();
  const cost: ProgramCost = {
    syncMs: Math.round(t1 - t0),
    loadMs: Math.round(t2 - t1),
    compileMs: Math.round(t3 - t2),
    totalMs: Math.round(t3 - t0),
    peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
  };
  if (gc) cost.retainedHeapMB = mb(process.memoryUsage().heapUsed - heapBefore);
  // Keep the programmer alive until the heap was measured: a node keeps it.
  if (programmer.mode !== "iptables") throw new Error("unreachable");
  return { compiled, cost };
}

/** A client Pod's packet through one node: PREROUTING, FORWARD (to a remote endpoint), POSTROUTING. */
class Flow {
  private readonly random: () => number;
  constructor(
    private readonly compiled: CompiledRuleset,
    seed: number,
  ) {
    const stream = new RandomStream(seed, "bench/node/iptables/statistic");
    this.random = () => stream.next();
  }

  /** Rules evaluated per hook for one packet in conntrack state `state`. */
  send(pkt: NetfilterPacket, state: "NEW" | "ESTABLISHED", options?: EvaluateOptions) {
    const ct = state === "NEW" ? { state } : { state, dnat: true };
    const ctx: EvalContext = {
      now: ns(0),
      inDev: "veth-client",
      ct,
      localAddresses: LOCAL_ADDRESSES,
      random: this.random,
    };
    // why: nat rules see only a connection's first packet; traverseHook skips nat for ESTABLISHED
    // (the kernel's nf_nat_inet_fn translates later packets from the conntrack entry instead).
    const pre = traverseHook(this.compiled, "PREROUTING", pkt, ctx, options);
    const dnat = pre.nat?.kind === "DNAT" ? pre.nat.range : undefined;
    const after = dnat ? { ...pkt, dst: dnat.minIp, dstPort: dnat.ports?.lo ?? pkt.dstPort } : pkt;
    const out = { ...ctx, outDev: "eth0" };
    const fwd = traverseHook(this.compiled, "FORWARD", after, out, options);
    const post = traverseHook(this.compiled, "POSTROUTING", after, out, options);
    return { pre, fwd, post, dnat: dnat !== undefined };
  }
}

function spread(values: readonly number[]): Spread {
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const v of values) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { mean: Number((sum / values.length).toFixed(1)), min, max };
}

/** Rule counts: one new connection to every Service, and one established packet. */
function countRules(compiled: CompiledRuleset, services: number) {
  const flow = new Flow(compiled, 7);
  const nat: number[] = [];
  const all: number[] = [];
  for (let i = 0; i < services; i++) {
    const r = flow.send(packetTo(i), "NEW", { record: false });
    if (!r.dnat) throw new Error(`bench: no DNAT for service ${i}`);
    nat.push(r.pre.rulesEvaluated);
    all.push(r.pre.rulesEvaluated + r.fwd.rulesEvaluated + r.post.rulesEvaluated);
  }
  const est = flow.send(packetTo(0), "ESTABLISHED", { record: false });
  const natEst = est.pre.rulesEvaluated + est.post.rulesEvaluated;
  return {
    newConnection: { natPrerouting: spread(nat), allHooks: spread(all) },
    established: { nat: natEst, filter: est.fwd.rulesEvaluated, allHooks: natEst + est.fwd.rulesEvaluated },
  };
}

/**
 * Median wall time per new-connection packet, to Services drawn at random
 * (fixed seed), or with `warm` always to the same Service (its rules stay in
 * the CPU cache: what is left is the evaluator's own cost).
 */
function wallTime(
  compiled: CompiledRuleset,
  services: number,
  packets: number,
  rounds: number,
  how: { linear: boolean; warm?: boolean },
): WallTime {
  const rand = mulberry32(services);
  const pick = () => (how.warm ? services >> 1 : Math.floor(rand() * services));
  const targets = Array.from({ length: packets }, () => packetTo(pick()));
  const flow = new Flow(compiled, 11);
  const options: EvaluateOptions = { linear: how.linear };
  const round = (): number => {
    const start = performance.now();
    for (const pkt of targets) flow.send(pkt, "NEW", options);
    return ((performance.now() - start) * 1e3) / packets;
  };
  // Collect what programming and earlier measurements left, then warm up untimed (which also lets
  // the collector finish sweeping), so that no timed round pays for them.
  gc?.();
  round();
  const roundsUs = Array.from({ length: rounds }, round).map((us) => Number(us.toFixed(3)));
  return { packetsPerRound: packets, medianUs: median(roundsUs), roundsUs };
}

/** How one size is measured. */
export interface MeasureOptions {
  endpoints: number;
  rounds: number;
  /** New-connection packets per indexed round. */
  packets: number;
  /** Linear rounds take about this many rule tests' worth of packets (at least 20). */
  linearBudget: number;
}

/** Programs a node with `services` Services and measures it. */
export function measureSize(services: number, o: MeasureOptions): IptablesSizeResult {
  const { compiled, cost } = programNode(services, o.endpoints);
  const rules = { nat: 0, filter: 0 };
  for (const t of ["nat", "filter"] as const) {
    for (const c of compiled.tables.get(t)?.chains.values() ?? []) rules[t] += c.rules.length;
  }
  const counts = countRules(compiled, services);
  const indexed = wallTime(compiled, services, o.packets, o.rounds, { linear: false });
  const warm = wallTime(compiled, services, o.packets, o.rounds, { linear: false, warm: true });
  const linearPackets = Math.max(20, Math.min(o.packets, Math.round(o.linearBudget / services)));
  const linear = wallTime(compiled, services, linearPackets, o.rounds, { linear: true });
  return { services, endpointsPerService: o.endpoints, rules, program: cost, ...counts, indexed, warm, linear };
}
