import {
  type Conntrack,
  type CtPacketResult,
  cleanStaleEntries,
  ctView,
  IPS,
  type NatChange,
  setDnat,
  setSnat,
  translate,
  translateIcmpError,
} from "../../conntrack/index.ts";
import type { Nanos, RandomStream, Rng, Scheduler } from "../../engine/index.ts";
import { formatEndpoint, type IPv4, isIcmpError, type Packet, parseIPv4 } from "../../net/index.ts";
import {
  type CompiledRuleset,
  compileRuleset,
  type EvalContext,
  type HookResult,
  RecentTables,
  traverseHook,
} from "../../netfilter/index.ts";
import type { Hook, TraceRecorder } from "../../trace/index.ts";
import { cleanupServicePorts } from "../conntrack-cleanup.ts";
import { DatapathTrace } from "../datapath-trace.ts";
import { ACCEPT, type HookVerdict, type PacketContext, type ProxyView, type ServiceProxy } from "../types.ts";
import type { IptablesProxierConfig } from "./config.ts";
import { dropReason, serviceOfRule } from "./drop-reason.ts";
import { IptablesLoader } from "./load.ts";
import { IptablesProgrammer, type IptablesSyncStats } from "./programmer.ts";

const PLAIN = Object.freeze({});
const NAT_DONE = Object.freeze({ natDone: true });

/** What the iptables mode needs from its node. */
export interface IptablesProxyOptions {
  config: IptablesProxierConfig;
  /** The node's connection tracking table. */
  conntrack: Conntrack;
  scheduler: Scheduler;
  rng: Rng;
  tracer: TraceRecorder;
  /** kube-proxy's cleanup of stale UDP conntrack entries after each sync (default on; off replays the bug). */
  udpConntrackCleanup?: boolean;
}

/** The conntrack decision of the packet being processed, kept between its hooks. */
interface InFlight {
  pkt: Packet;
  ct: CtPacketResult;
}

/**
 * kube-proxy's iptables mode on one node: each sync renders kube-proxy's
 * rules (the programmer), loads them as the kernel would (parse, compile
 * with the chain index), and runs kube-proxy's conntrack cleanup. Each packet
 * then crosses conntrack and the tables in the kernel's order: conntrack and
 * nat at PREROUTING/OUTPUT (nat only for a connection's first packet), filter
 * at FORWARD/INPUT/OUTPUT, nat and conntrack confirm at POSTROUTING/INPUT.
 * Later packets and replies are translated by their conntrack entry.
 */
export class IptablesProxy implements ServiceProxy {
  readonly mode = "iptables" as const;
  readonly programmer: IptablesProgrammer;
  readonly conntrack: Conntrack;
  private compiled: CompiledRuleset | undefined;
  private readonly loader = new IptablesLoader();
  private readonly recent = new RecentTables();
  private readonly trace: DatapathTrace;
  private readonly statistic: RandomStream;
  private readonly natPorts: RandomStream;
  private readonly nodeIP: IPv4;
  private readonly locals: ReadonlySet<IPv4>;
  private readonly eval: EvalContext;
  private inFlight: InFlight | undefined;
  /** Endpoint counts of KUBE-SVC/KUBE-SVL chains, for `lb.pick` events; rebuilt lazily per sync. */
  private endpointCounts: Map<string, number> | undefined;
  /** The last sync's statistics. */
  lastSync: IptablesSyncStats | undefined;

  constructor(private readonly options: IptablesProxyOptions) {
    const { config, rng, tracer, scheduler } = options;
    this.programmer = new IptablesProgrammer(config);
    this.conntrack = options.conntrack;
    this.trace = new DatapathTrace(tracer, scheduler, config.nodeName);
    this.statistic = rng.stream(`node/${config.nodeName}/iptables/statistic`);
    this.natPorts = rng.stream(`node/${config.nodeName}/nat/ports`);
    this.nodeIP = parseIPv4(config.nodeIP ?? "0.0.0.0");
    this.locals = new Set((config.localAddresses ?? [config.nodeIP ?? "0.0.0.0"]).map(parseIPv4));
    const next = this.statistic.next.bind(this.statistic);
    this.eval = { now: 0 as Nanos, random: next, localAddresses: this.locals, recent: this.recent };
  }

  /** Programs the rules from the node's view, loads them, and cleans stale UDP conntrack entries. */
  sync(view: ProxyView, full: boolean, now: Nanos) {
    const stats = this.programmer.sync(view, full, now);
    // The rules as `parseIptablesSave(programmer.iptablesSave())` would give them, without the text.
    const ruleset = this.loader.load(
      this.programmer.tables,
      ["filter", "nat"],
      `node ${this.options.config.nodeName} iptables`,
    );
    // why: iptables-restore replaces the tables atomically; `-m recent` lists live
    // in the kernel module, not in the ruleset, so they survive a restore.
    this.compiled = compileRuleset(ruleset, this.recent);
    this.endpointCounts = undefined;
    this.lastSync = stats;
    cleanStaleEntries(this.conntrack, cleanupServicePorts(view, this.options.config.nodeName), {
      enabled: this.options.udpConntrackCleanup !== false,
    });
    return stats;
  }

  /** The node's tables as `iptables-save` prints them. */
  iptablesSave(): string {
    return this.programmer.iptablesSave();
  }

  process(hook: Hook, pkt: Packet, ctx: PacketContext): HookVerdict {
    switch (hook) {
      case "PREROUTING":
      case "OUTPUT":
        return this.first(hook, pkt, ctx);
      case "FORWARD":
        return this.filter(hook, pkt, ctx);
      case "INPUT":
      case "POSTROUTING":
        return this.last(hook, pkt, ctx);
    }
  }

  /** Conntrack's first look, then nat (first packet only) and, at OUTPUT, filter. */
  private first(hook: Hook, pkt: Packet, ctx: PacketContext): HookVerdict {
    const ct = this.conntrack.receive(pkt);
    if (ct.drop) return { kind: "drop", reason: ct.drop, where: "conntrack" };
    this.inFlight = { pkt, ct };
    const entry = ct.entry;
    if (entry && ct.state !== "NEW") {
      this.trace.ct(ct.dir === "original" ? "hit" : "reply", entry, pkt, ct.state);
      // Established packets and replies skip nat: their entry rewrites them.
      this.rewrite(pkt, ct, "dst");
    }
    // A NEW packet of a confirmed connection (a second unanswered datagram, a
    // retransmitted SYN) has its NAT set up already: it is rewritten, not re-NATed.
    const natDone = entry?.has(IPS.CONFIRMED) === true;
    if (natDone && ct.state === "NEW") this.rewrite(pkt, ct, "dst");
    const res = this.walk(hook, pkt, ctx, ct, natDone);
    if (res.verdict.kind === "DROP" || res.verdict.kind === "REJECT") return this.refuse(res);
    if (entry && ct.state === "NEW" && !natDone) {
      if (res.nat?.kind === "DNAT") {
        const port = res.nat.range.ports?.lo;
        setDnat(entry, res.nat.range.minIp, port);
        this.picked(pkt, res, formatEndpoint(res.nat.range.minIp, port ?? pkt.dstPort));
      }
      this.rewrite(pkt, ct, "dst");
    }
    return ACCEPT;
  }

  /** The filter table at FORWARD. */
  private filter(hook: Hook, pkt: Packet, ctx: PacketContext): HookVerdict {
    const ct = this.current(pkt);
    if (!ct) return ACCEPT;
    const res = this.walk(hook, pkt, ctx, ct);
    return res.verdict.kind === "DROP" || res.verdict.kind === "REJECT" ? this.refuse(res) : ACCEPT;
  }

  /** nat (SNAT/MASQUERADE for a first packet), the source rewrite, and conntrack confirm. */
  private last(hook: Hook, pkt: Packet, ctx: PacketContext): HookVerdict {
    const ct = this.current(pkt);
    if (!ct) return ACCEPT;
    const entry = ct.entry;
    const natDone = entry?.has(IPS.CONFIRMED) === true;
    const res = this.walk(hook, pkt, ctx, ct, natDone);
    if (res.verdict.kind === "DROP" || res.verdict.kind === "REJECT") return this.refuse(res);
    if (!entry) return ACCEPT;
    if (ct.state === "NEW" && !natDone && (res.nat?.kind === "SNAT" || res.nat?.kind === "MASQUERADE")) {
      const nat = res.nat;
      const masquerade = nat.kind === "MASQUERADE";
      // why: MASQUERADE takes the outgoing interface's primary address; on a
      // routed CNI the host side of a veth has none, so it is the node IP.
      const result = setSnat(this.conntrack, entry, {
        ip: masquerade ? this.nodeIP : nat.range.minIp,
        ports: masquerade ? nat.ports : nat.range.ports,
        mode: nat.randomFully ? "random-fully" : nat.random ? "random" : "keep",
        stream: this.natPorts,
        masquerade,
      });
      if (!result.ok) return { kind: "drop", reason: result.reason, where: `${hook} nat` };
    }
    this.rewrite(pkt, ct, "src");
    if (!entry.has(IPS.CONFIRMED)) {
      // why: __nf_conntrack_confirm drops a packet whose tuple clashes with a
      // confirmed entry (insert_failed).
      if (!this.conntrack.confirm(entry)) return { kind: "drop", reason: "conntrack-invalid", where: "confirm" };
      this.trace.ct("new", entry, pkt, "NEW");
    }
    this.inFlight = undefined;
    return ACCEPT;
  }

  /** The conntrack decision for this packet: the in-flight one, or a fresh lookup (a packet looped back through lo). */
  private current(pkt: Packet): CtPacketResult | undefined {
    if (this.inFlight?.pkt === pkt) return this.inFlight.ct;
    const found = this.conntrack.lookup(pkt);
    return found ? { state: "ESTABLISHED", entry: found.entry, dir: found.dir } : undefined;
  }

  private walk(hook: Hook, pkt: Packet, ctx: PacketContext, ct: CtPacketResult, natDone = false): HookResult {
    const e = this.eval;
    e.now = ctx.now;
    e.inDev = ctx.inDev;
    e.outDev = ctx.outDev;
    e.ct = ctView(ct);
    if (!this.compiled) return { hook, verdict: { kind: "ACCEPT" }, tables: [], rulesEvaluated: 0 };
    const res = traverseHook(this.compiled, hook, pkt, e, natDone ? NAT_DONE : PLAIN);
    if (this.trace.wantRules) for (const t of res.tables) this.trace.rules(pkt, t.matchedRules);
    return res;
  }

  private rewrite(pkt: Packet, ct: CtPacketResult, manip: "src" | "dst"): void {
    if (!ct.entry) return;
    const changes: readonly NatChange[] =
      ct.state === "RELATED" && isIcmpError(pkt)
        ? translateIcmpError(pkt, ct.entry, ct.dir, manip)
        : translate(pkt, ct.entry, ct.dir, manip);
    this.trace.nat(pkt, changes);
  }

  private refuse(res: HookResult): HookVerdict {
    this.inFlight = undefined;
    const matched = res.tables.flatMap((t) => t.matchedRules);
    const v = res.verdict;
    const where = matched.at(-1) ? `${matched.at(-1)?.table} ${matched.at(-1)?.chain}` : res.hook;
    if (v.kind === "REJECT") {
      const wire = v.with === "tcp-reset" ? "tcp-reset" : "icmp-port-unreachable";
      return { kind: "reject", reason: dropReason(matched, true), with: wire, where };
    }
    return { kind: "drop", reason: dropReason(matched, false), where };
  }

  /** Emits `lb.pick` for a DNAT chosen by a KUBE-SEP rule. */
  private picked(pkt: Packet, res: HookResult, endpoint: string): void {
    if (!this.trace.wantPick) return;
    const matched = res.tables.flatMap((t) => t.matchedRules);
    const dnat = matched.at(-1);
    const svcRule = matched.findLast((m) => /^KUBE-SV[CL]-/.test(m.chain));
    const affinity = matched.some((m) => m.ruleText.includes("--rcheck"));
    const candidates = svcRule ? this.endpointsOf(svcRule.chain) : 1;
    this.trace.pick(
      pkt,
      serviceOfRule(dnat),
      endpoint,
      candidates,
      affinity ? "iptables-recent" : "iptables-statistic",
    );
  }

  private endpointsOf(chain: string): number {
    if (!this.endpointCounts) {
      this.endpointCounts = new Map();
      const nat = this.compiled?.ruleset.tables.get("nat");
      for (const [name, c] of nat?.chains ?? []) {
        if (!/^KUBE-SV[CL]-/.test(name)) continue;
        const seps = new Set(
          c.rules.flatMap((r) =>
            r.target.kind === "jump" && r.target.chain.startsWith("KUBE-SEP-") ? [r.target.chain] : [],
          ),
        );
        this.endpointCounts.set(name, seps.size);
      }
    }
    return this.endpointCounts.get(chain) ?? 1;
  }
}
