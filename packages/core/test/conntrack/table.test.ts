import { describe, expect, it } from "vitest";
import {
  BucketIndex,
  Conntrack,
  type CtObservation,
  ctView,
  linuxConntrackConfig,
  setDnat,
} from "../../src/conntrack/index.ts";
import { Scheduler, s } from "../../src/engine/index.ts";
import { ACK, FINACK, SYN, SYNACK, TestClock, tcp, udp } from "./helpers.ts";

function setup(max = 1024, hashsize?: number) {
  const clock = new TestClock();
  const events: CtObservation[] = [];
  const ct = new Conntrack({ config: linuxConntrackConfig(max, hashsize), clock, observer: (e) => events.push(e) });
  return { clock, ct, events };
}

function handshake(ct: Conntrack, c: string, srv: string) {
  const e = ct.receive(tcp(c, srv, SYN)).entry!;
  ct.confirm(e);
  ct.receive(tcp(srv, c, SYNACK));
  ct.receive(tcp(c, srv, ACK));
  return e;
}

describe("two-phase tracking: unconfirmed at the first hook, confirmed at the last", () => {
  it("a NEW packet dropped before confirm leaves no entry", () => {
    const { ct, events } = setup();
    const first = ct.receive(tcp("10.0.0.1:1000", "10.0.0.2:80", SYN));
    expect(first.state).toBe("NEW");
    expect(ct.count).toBe(0);
    // the packet dies in FORWARD: confirm is never called; the retransmission is NEW again
    const again = ct.receive(tcp("10.0.0.1:1000", "10.0.0.2:80", SYN));
    expect(again.state).toBe("NEW");
    expect(again.entry).not.toBe(first.entry);
    expect(ct.confirm(again.entry!)).toBe(true);
    expect(ct.count).toBe(1);
    expect(events.map((e) => e.op)).toEqual(["new", "new", "confirm"]);
  });

  it("confirm refuses an entry whose tuple is already in the table (insert_failed)", () => {
    const { ct } = setup();
    const a = ct.receive(tcp("10.0.0.1:1000", "10.0.0.2:80", SYN)).entry!;
    const b = ct.receive(tcp("10.0.0.1:1000", "10.0.0.2:80", SYN)).entry!;
    expect(ct.confirm(a)).toBe(true);
    expect(ct.confirm(b)).toBe(false);
  });

  it("the netfilter view shows the DNAT virtual state once the binding is made", () => {
    const { ct } = setup();
    const r = ct.receive(tcp("10.0.0.1:1000", "10.96.0.1:80", SYN));
    expect(ctView(r)).toEqual({ state: "NEW", snat: false, dnat: false });
    setDnat(r.entry!, 0x0af40207, 8080);
    expect(ctView(r)).toEqual({ state: "NEW", snat: false, dnat: true });
    expect(ctView({ state: "INVALID", entry: undefined })).toEqual({ state: "INVALID" });
  });
});

describe("table full (nf_conntrack_max) and early drop", () => {
  it("drops a NEW flow when the table is full of ASSURED entries", () => {
    const { ct, events } = setup(2, 1);
    handshake(ct, "10.0.0.1:1000", "10.0.0.9:80");
    handshake(ct, "10.0.0.1:1001", "10.0.0.9:80");
    const r = ct.receive(tcp("10.0.0.1:1002", "10.0.0.9:80", SYN));
    expect(r.drop).toBe("conntrack-full");
    expect(r.entry).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ op: "full", count: 2 });
    expect(ct.earlyDropPending).toBe(true);
  });

  it("early drop frees every non-ASSURED entry of the first bucket that has one", () => {
    const { ct, events } = setup(3, 1);
    const assured = handshake(ct, "10.0.0.1:1000", "10.0.0.9:80");
    const u1 = ct.receive(udp("10.0.0.1:2000", "10.0.0.9:53")).entry!;
    const u2 = ct.receive(udp("10.0.0.1:2001", "10.0.0.9:53")).entry!;
    ct.confirm(u1);
    ct.confirm(u2);
    const r = ct.receive(udp("10.0.0.1:2002", "10.0.0.9:53"));
    expect(r.state).toBe("NEW");
    expect(ct.confirm(r.entry!)).toBe(true);
    // one bucket: early_drop_list deletes all non-assured entries in it
    const dropped = events.filter((e) => e.op === "destroy").map((e) => (e.op === "destroy" ? e.entry : undefined));
    expect(dropped).toEqual([u1, u2]);
    expect(ct.list()).toEqual([assured, r.entry]);
  });

  it("early drop only scans 8 buckets from the new flow's hash", () => {
    const { ct } = setup(1, 64);
    const buckets = new BucketIndex(64);
    const old = ct.receive(udp("10.0.0.1:2000", "10.0.0.9:53")).entry!;
    ct.confirm(old);
    const taken = new Set([buckets.bucketOf(old.original), buckets.bucketOf(old.reply)]);
    // find a new flow whose 8-bucket window misses both of the old entry's buckets
    let port = 3000;
    const window = (b: number) => Array.from({ length: 8 }, (_, i) => (b + i) % 64);
    while (window(buckets.bucketOf(udp(`10.0.0.1:${port}`, "10.0.0.9:53"))).some((b) => taken.has(b))) port++;
    expect(ct.receive(udp(`10.0.0.1:${port}`, "10.0.0.9:53")).drop).toBe("conntrack-full");
    expect(ct.count).toBe(1);
  });

  it("after a full-table drop, GC evicts closing (TIME_WAIT) entries while the count is ≥ 95% of max", () => {
    const { ct } = setup(100, 1);
    for (let p = 1000; p < 1100; p++) {
      const c = `10.0.0.1:${p}`;
      handshake(ct, c, "10.0.0.9:80");
      ct.receive(tcp(c, "10.0.0.9:80", FINACK));
      ct.receive(tcp("10.0.0.9:80", c, FINACK));
      ct.receive(tcp(c, "10.0.0.9:80", ACK));
    }
    // every entry is ASSURED, so early_drop finds nothing and the SYN is dropped
    expect(ct.receive(tcp("10.0.0.1:2000", "10.0.0.9:80", SYN)).drop).toBe("conntrack-full");
    // gc_worker: nf_conntrack_max95 = 100 / 100 * 95; evict while count ≥ 95 → 100 − 94 = 6 evictions
    expect(ct.gc()).toBe(6);
    expect(ct.count).toBe(94);
    expect(ct.receive(tcp("10.0.0.1:2000", "10.0.0.9:80", SYN)).state).toBe("NEW");
  });

  it("after a full-table drop, GC spares ASSURED established entries", () => {
    const { ct } = setup(2, 1);
    handshake(ct, "10.0.0.1:1000", "10.0.0.9:80");
    handshake(ct, "10.0.0.1:1001", "10.0.0.9:80");
    expect(ct.receive(tcp("10.0.0.1:1002", "10.0.0.9:80", SYN)).drop).toBe("conntrack-full");
    // both are ASSURED and ESTABLISHED: gc_worker_can_early_drop spares them
    expect(ct.gc()).toBe(0);
    expect(ct.count).toBe(2);
  });
});

describe("expiry and GC (gc_worker)", () => {
  it("collects expired entries in one periodic event and goes idle when the table is empty", () => {
    const sched = new Scheduler();
    const events: CtObservation[] = [];
    const ct = new Conntrack({ config: linuxConntrackConfig(64), scheduler: sched, observer: (e) => events.push(e) });
    ct.confirm(ct.receive(udp("10.0.0.1:2000", "10.0.0.9:53")).entry!);
    ct.confirm(ct.receive(udp("10.0.0.1:2001", "10.0.0.9:53")).entry!);
    expect(sched.pending).toBe(1); // one GC event, not one per entry
    sched.runToIdle(10);
    // GC_SCAN_INTERVAL_INIT: the first pass runs 60 s after the table became non-empty
    expect(events.filter((e) => e.op === "expire").map((e) => e.t)).toEqual([s(60), s(60)]);
    expect(ct.count).toBe(0);
    expect(sched.pending).toBe(0);
  });

  it("reschedules while entries live, at the clamped average remaining timeout", () => {
    const sched = new Scheduler();
    const ct = new Conntrack({ config: linuxConntrackConfig(64), scheduler: sched });
    handshake(ct, "10.0.0.1:1000", "10.0.0.9:80");
    sched.runUntil(s(60));
    // (100 × 60 s + min(432000, 300) s) / 101 > 60 s → clamped to GC_SCAN_INTERVAL_MAX
    expect(sched.peek()).toBe(s(120));
  });

  it("lookups never see an expired entry, even before GC runs", () => {
    const { ct, clock, events } = setup();
    const e = ct.receive(udp("10.0.0.1:2000", "10.0.0.9:53")).entry!;
    ct.confirm(e);
    clock.advance(30);
    expect(ct.list()).toEqual([]);
    expect(ct.count).toBe(1); // still counted until collected
    expect(ct.lookup(udp("10.0.0.1:2000", "10.0.0.9:53"))).toBeUndefined();
    expect(ct.count).toBe(0);
    expect(events.at(-1)).toMatchObject({ op: "expire", entry: e });
  });
});

describe("deleting and listing", () => {
  it("deleteWhere removes the selected entries, flush removes all", () => {
    const { ct, events } = setup();
    for (let p = 2000; p < 2004; p++) ct.confirm(ct.receive(udp(`10.0.0.1:${p}`, "10.0.0.9:53")).entry!);
    const gone = ct.deleteWhere((e) => e.original.srcPort % 2 === 0);
    expect(gone.map((e) => e.original.srcPort)).toEqual([2000, 2002]);
    expect(ct.list().map((e) => e.original.srcPort)).toEqual([2001, 2003]);
    expect(ct.flush()).toBe(2);
    expect(ct.count).toBe(0);
    expect(events.at(-1)).toMatchObject({ op: "flush", count: 2 });
  });

  it("lists in a fixed order whatever the insertion order", () => {
    const { ct } = setup();
    ct.confirm(ct.receive(udp("10.0.0.2:1", "10.0.0.9:53")).entry!);
    ct.confirm(ct.receive(tcp("10.0.0.3:1", "10.0.0.9:80", SYN)).entry!);
    ct.confirm(ct.receive(udp("10.0.0.1:1", "10.0.0.9:53")).entry!);
    expect(ct.list().map((e) => `${e.original.proto}:${e.original.src & 255}`)).toEqual(["TCP:3", "UDP:1", "UDP:2"]);
  });
});
