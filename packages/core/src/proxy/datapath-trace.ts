import type { CtEntry, NatChange } from "../conntrack/index.ts";
import type { Scheduler } from "../engine/index.ts";
import { formatEndpoint, formatTuple, type Packet } from "../net/index.ts";
import type { MatchedRule } from "../netfilter/index.ts";
import { type TraceRecorder, tracePacket } from "../trace/index.ts";

/**
 * Trace events a service dataplane emits on a node: rules matched, NAT
 * rewrites, conntrack operations and backend picks. Which kinds are wanted
 * is read once, so the per-packet path tests a boolean and builds nothing
 * for kinds the level leaves out. Shared by every proxy mode.
 */
export class DatapathTrace {
  readonly wantRules: boolean;
  readonly wantNat: boolean;
  readonly wantCt: boolean;
  readonly wantPick: boolean;

  constructor(
    private readonly tracer: TraceRecorder,
    private readonly sched: Scheduler,
    readonly node: string,
  ) {
    this.wantRules = tracer.wants("nf.rule");
    this.wantNat = tracer.wants("nat");
    this.wantCt = tracer.wants("ct");
    this.wantPick = tracer.wants("lb.pick");
  }

  /** The rules that matched, in order. */
  rules(pkt: Packet, matched: readonly MatchedRule[]): void {
    if (!this.wantRules) return;
    const p = tracePacket(pkt);
    for (const m of matched) {
      this.tracer.emit({
        type: "nf.rule",
        t: this.sched.now,
        node: this.node,
        pkt: p,
        table: m.table,
        chain: m.chain,
        rule: m.ruleText,
        index: m.index,
      });
    }
  }

  /** Address rewrites made by NAT. */
  nat(pkt: Packet, changes: readonly NatChange[]): void {
    if (!this.wantNat || changes.length === 0) return;
    const p = tracePacket(pkt);
    for (const c of changes) {
      this.tracer.emit({
        type: "nat",
        t: this.sched.now,
        node: this.node,
        pkt: p,
        kind: c.kind,
        from: formatEndpoint(c.fromIp, c.fromPort),
        to: formatEndpoint(c.toIp, c.toPort),
      });
    }
  }

  /** A conntrack operation on an entry. */
  ct(
    op: "new" | "confirm" | "hit" | "reply" | "update" | "destroy" | "expire",
    entry: CtEntry,
    pkt?: Packet,
    state?: string,
  ): void {
    if (!this.wantCt) return;
    this.tracer.emit({
      type: "ct",
      t: this.sched.now,
      node: this.node,
      ...(pkt ? { pkt: tracePacket(pkt) } : {}),
      op,
      tuple: formatTuple(entry.original),
      reply: formatTuple(entry.reply),
      ...(state ? { state } : {}),
    });
  }

  /** A backend chosen for a new connection. */
  pick(pkt: Packet, service: string, endpoint: string, candidates: number, via: string): void {
    if (!this.wantPick) return;
    this.tracer.emit({
      type: "lb.pick",
      t: this.sched.now,
      node: this.node,
      pkt: tracePacket(pkt),
      service,
      endpoint,
      candidates,
      via,
    });
  }
}
