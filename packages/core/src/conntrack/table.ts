import type { Nanos, Scheduler } from "../engine/index.ts";
import { isIcmpError, type Packet } from "../net/index.ts";
import { BucketIndex, earlyDrop } from "./buckets.ts";
import { type ConntrackConfig, kubeProxyConntrackConfig } from "./config.ts";
import { CtEntry, type CtTupleHash, compareEntries, IPS } from "./entry.ts";
import { GcWorker } from "./gc.ts";
import type { ConntrackObserver, CtDestroyReason, CtPacketResult } from "./result.ts";
import { TCP_INVALID, TCP_KILL, TCP_REOPEN, tcpCanStart, tcpFlagsValid } from "./tcp.ts";
import { account, trackPacket } from "./track.ts";
import { ICMP_NEW_TYPES, icmpTypeCode, invertTuple, type Tuple, TupleMap } from "./tuple.ts";

/** Where a table reads simulated time. A Scheduler is one. */
export interface Clock {
  readonly now: Nanos;
}

/** How a node's table is built. */
export interface ConntrackOptions {
  /** Sysctls; kube-proxy's defaults on a 1-core node when omitted. */
  config?: ConntrackConfig;
  /** The scheduler: the clock, and where the GC worker runs. */
  scheduler?: Scheduler;
  /** A clock when there is no scheduler (tests); no GC events then. */
  clock?: Clock;
  /** Named in the GC events, e.g. `node/worker-1/conntrack`. */
  component?: string;
  observer?: ConntrackObserver;
}

const INVALID: CtPacketResult = Object.freeze({ state: "INVALID", entry: undefined, dir: "original" });

/**
 * One node's connection tracking table (nf_conntrack), in the kernel's
 * two phases: {@link receive} at the first hook (PREROUTING or OUTPUT)
 * finds the connection or creates an unconfirmed entry for a NEW packet;
 * NAT bindings are set on that entry while the packet crosses the nat
 * table; {@link confirm} at POSTROUTING or INPUT inserts it. A packet
 * dropped in between leaves no entry behind.
 */
export class Conntrack {
  readonly config: ConntrackConfig;
  private readonly clock: Clock;
  private readonly byTuple = new TupleMap<CtTupleHash>();
  private readonly live = new Map<number, CtEntry>();
  private readonly buckets: BucketIndex;
  private readonly gcWorker: GcWorker | undefined;
  private nextId = 1;
  /** Set by a table-full drop: the next GC pass evicts down to 95% (conntrack_gc_work.early_drop). */
  earlyDropPending = false;
  observer: ConntrackObserver | undefined;

  constructor(opts: ConntrackOptions = {}) {
    this.config = opts.config ?? kubeProxyConntrackConfig({ cores: 1 });
    const clock = opts.clock ?? opts.scheduler;
    if (clock === undefined) throw new RangeError("Conntrack needs a scheduler or a clock");
    this.clock = clock;
    this.buckets = new BucketIndex(this.config.hashsize);
    this.observer = opts.observer;
    if (opts.scheduler) this.gcWorker = new GcWorker(this, opts.scheduler, opts.component ?? "conntrack");
  }

  /** Simulated now. */
  get now(): Nanos {
    return this.clock.now;
  }

  /** Confirmed entries, expired ones not yet collected included (the kernel's nf_conntrack_count). */
  get count(): number {
    return this.live.size;
  }

  /** Finds the confirmed entry a tuple belongs to, and the direction; expired entries are collected on the way. */
  lookupTuple(t: Tuple): CtTupleHash | undefined {
    return this.fresh(this.byTuple.get(t));
  }

  /** Finds the connection of a packet without changing anything but expiry (for ICMP the echo id is `srcPort`). */
  lookup(pkt: Packet): CtTupleHash | undefined {
    const dport = pkt.proto === "ICMP" ? icmpTypeCode(pkt.icmp?.type ?? 0, pkt.icmp?.code ?? 0) : pkt.dstPort;
    return this.fresh(this.byTuple.getFields(pkt.proto, pkt.src, pkt.srcPort, pkt.dst, dport));
  }

  /** True when a confirmed, live entry other than `ignore` holds tuple `t` in either direction (nf_conntrack_tuple_taken). */
  isTaken(t: Tuple, ignore?: CtEntry): boolean {
    const h = this.lookupTuple(t);
    return h !== undefined && h.entry !== ignore;
  }

  /** {@link isTaken} for a tuple given field by field (no allocation: the SNAT port search probes many). */
  isTakenFields(proto: Tuple["proto"], src: number, srcPort: number, dst: number, dstPort: number, ignore?: CtEntry) {
    const h = this.fresh(this.byTuple.getFields(proto, src, srcPort, dst, dstPort));
    return h !== undefined && h.entry !== ignore;
  }

  /**
   * Conntrack's first hook for a packet (nf_conntrack_in): an ICMP error is
   * RELATED to the connection it quotes; a known connection's entry is
   * updated; otherwise a NEW packet gets an unconfirmed entry, or is
   * INVALID, or is dropped because the table is full.
   */
  receive(pkt: Packet): CtPacketResult {
    if (isIcmpError(pkt)) return this.related(pkt);
    const h = this.lookup(pkt);
    if (h === undefined) return this.create(pkt);
    const e = h.entry;
    const dir = h.dir;
    // why: resolve_normal_ct — reply packets are ESTABLISHED; original ones
    // stay NEW until a reply was seen ("Once we've had two way comms, always ESTABLISHED").
    const state = dir === "reply" || e.has(IPS.SEEN_REPLY) ? "ESTABLISHED" : "NEW";
    const before = e.status | (e.tcpState << 16);
    const timeout = trackPacket(e, dir, pkt, this.now, this.config);
    if (timeout === TCP_INVALID) return INVALID;
    if (timeout === TCP_REOPEN) {
      this.destroy(e, "reopen");
      return this.create(pkt);
    }
    if (timeout >= 0 || timeout === TCP_KILL) account(e, dir, pkt.length);
    if (timeout >= 0) e.deadline = (this.now + timeout * 1e9) as Nanos;
    if (dir === "reply") e.status |= IPS.SEEN_REPLY;
    if (timeout === TCP_KILL) this.destroy(e, "rst");
    else if ((e.status | (e.tcpState << 16)) !== before) this.observer?.({ op: "update", t: this.now, entry: e });
    return { state, entry: e, dir };
  }

  /**
   * Inserts an unconfirmed entry (nf_conntrack_confirm at POSTROUTING or
   * INPUT). False when one of its tuples is already taken — the kernel's
   * insert_failed, which drops the packet.
   */
  confirm(e: CtEntry): boolean {
    if (e.has(IPS.CONFIRMED)) return true;
    if (e.has(IPS.DYING) || this.byTuple.get(e.original) || this.byTuple.get(e.reply)) return false;
    this.byTuple.set(e.original, e.hashOriginal);
    this.byTuple.set(e.reply, e.hashReply);
    this.live.set(e.id, e);
    this.buckets.add(e);
    e.status |= IPS.CONFIRMED;
    this.observer?.({ op: "confirm", t: this.now, entry: e });
    this.gcWorker?.ensureScheduled();
    return true;
  }

  /** Removes an entry now (nf_ct_delete), reporting why. */
  destroy(e: CtEntry, reason: CtDestroyReason): void {
    e.status |= IPS.DYING;
    if (!this.unlink(e)) return;
    this.observer?.({ op: "destroy", t: this.now, entry: e, reason });
  }

  /** Removes an entry whose deadline passed, reporting it as expired. */
  expire(e: CtEntry): void {
    e.status |= IPS.DYING;
    if (this.unlink(e)) this.observer?.({ op: "expire", t: this.now, entry: e });
  }

  /** Deletes every live entry the predicate selects (`conntrack -D` with filters); returns them. */
  deleteWhere(pred: (e: CtEntry) => boolean): CtEntry[] {
    const doomed = this.list().filter(pred);
    for (const e of doomed) this.destroy(e, "delete");
    return doomed;
  }

  /** Deletes every entry (`conntrack -F`); returns how many there were. */
  flush(): number {
    const n = this.live.size;
    for (const e of this.live.values()) e.status |= IPS.DYING;
    this.live.clear();
    this.byTuple.clear();
    this.buckets.clear();
    this.observer?.({ op: "flush", t: this.now, count: n });
    return n;
  }

  /** Live entries in a fixed order (protocol, then original tuple), as a listing would show them. */
  list(): CtEntry[] {
    const now = this.now;
    const out: CtEntry[] = [];
    for (const e of this.live.values()) if (e.deadline > now) out.push(e);
    return out.sort(compareEntries);
  }

  /** Every confirmed entry in confirm order, expired ones included (for GC). */
  all(): IterableIterator<CtEntry> {
    return this.live.values();
  }

  /** Runs one GC pass now (gc_worker); returns how many entries it removed. */
  gc(): number {
    return this.gcWorker ? this.gcWorker.scan() : GcWorker.sweep(this);
  }

  private fresh(h: CtTupleHash | undefined): CtTupleHash | undefined {
    if (h === undefined) return undefined;
    // why: nf_ct_is_expired — a lookup never finds an entry past its deadline; it is collected on the spot.
    if (h.entry.deadline <= this.now) {
      this.expire(h.entry);
      return undefined;
    }
    return h;
  }

  private unlink(e: CtEntry): boolean {
    if (!this.live.delete(e.id)) return false;
    this.byTuple.delete(e.original);
    this.byTuple.delete(e.reply);
    this.buckets.remove(e);
    return true;
  }

  private related(pkt: Packet): CtPacketResult {
    const quoted = pkt.icmp?.quoted;
    const inner = quoted && invertTuple(quoted);
    const h = inner && this.lookupTuple(inner);
    // why: nf_conntrack_inet_error — the error must quote one of our
    // connections and be addressed to that direction's destination; else INVALID.
    if (h === undefined || pkt.dst !== h.entry.tuple(h.dir).dst) return INVALID;
    return { state: "RELATED", entry: h.entry, dir: h.dir };
  }

  private create(pkt: Packet): CtPacketResult {
    const icmpType = pkt.icmp?.type ?? 0;
    const original: Tuple = {
      proto: pkt.proto,
      src: pkt.src,
      srcPort: pkt.srcPort,
      dst: pkt.dst,
      dstPort: pkt.proto === "ICMP" ? icmpTypeCode(icmpType, pkt.icmp?.code ?? 0) : pkt.dstPort,
    };
    const reply = invertTuple(original);
    if (reply === undefined) return INVALID;
    // why: __nf_conntrack_alloc checks the table size before the protocol
    // tracker looks at the packet: a full table drops even packets that would be INVALID.
    if (this.live.size >= this.config.max && !earlyDrop(this, this.buckets, original)) {
      this.earlyDropPending = true;
      this.observer?.({ op: "full", t: this.now, count: this.live.size });
      return { state: "INVALID", entry: undefined, dir: "original", drop: "conntrack-full" };
    }
    if (pkt.proto === "TCP" && !(tcpFlagsValid(pkt.flags) && tcpCanStart(pkt.flags, this.config.tcpLoose))) {
      return INVALID;
    }
    // why: icmp_new accepts only query types (echo, timestamp, info, address mask) as new.
    if (pkt.proto === "ICMP" && !ICMP_NEW_TYPES.has(icmpType)) return INVALID;
    const e = new CtEntry(this.nextId++, original, reply, this.now);
    const timeout = trackPacket(e, "original", pkt, this.now, this.config);
    if (timeout < 0) return INVALID;
    e.deadline = (this.now + timeout * 1e9) as Nanos;
    account(e, "original", pkt.length);
    this.observer?.({ op: "new", t: this.now, entry: e });
    return { state: "NEW", entry: e, dir: "original" };
  }
}
