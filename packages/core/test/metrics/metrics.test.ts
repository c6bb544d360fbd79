import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Conntrack } from "../../src/conntrack/index.ts";
import { Scheduler, s } from "../../src/engine/index.ts";
import {
  ConntrackSampler,
  LatencyHistogram,
  latencySummary,
  percentile,
  summarize,
  summarizeDns,
} from "../../src/metrics/index.ts";
import { PacketStats } from "../../src/trace/index.ts";
import type { RequestRecord } from "../../src/workload/index.ts";

describe("latency percentiles", () => {
  it("are nearest-rank values", () => {
    // Nearest rank: the ⌈p/100 × n⌉-th smallest value (1-based).
    const v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 90)).toBe(90);
    expect(percentile(v, 99)).toBe(100);
    expect(latencySummary([3, 1, 2])).toEqual({ count: 3, p50: 2, p90: 3, p99: 3, max: 3 });
    expect(latencySummary([])).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it("are recorded values, ordered p50 ≤ p90 ≤ p99 ≤ max, whatever the insertion order", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1e9 }), { minLength: 1, maxLength: 200 }), (values) => {
        const h = new LatencyHistogram();
        for (const v of values) h.add(v);
        const sum = h.summary();
        expect(values).toContain(sum.p50);
        expect(sum.p50).toBeLessThanOrEqual(sum.p90);
        expect(sum.p90).toBeLessThanOrEqual(sum.p99);
        expect(sum.p99).toBeLessThanOrEqual(sum.max);
        expect(sum.max).toBe(Math.max(...values));
        expect(latencySummary([...values].reverse())).toEqual(sum);
      }),
    );
  });
});

const rec = (o: Partial<RequestRecord> & { id: number; client: string }): RequestRecord => ({
  protocol: "TCP",
  start: 0,
  ...o,
});

describe("summarize", () => {
  it("groups requests per Pod and per client: latency, connections, reuse, errors; bytes from the packet counters", () => {
    const stats = new PacketStats();
    stats.countSent("default/web-1", 100);
    stats.countReceived("default/web-1", 60);
    const records = [
      rec({ id: 1, client: "a", start: 0, end: 10, pod: "default/web-1", local: "10.0.0.1:1000", remote: "x:80" }),
      rec({
        id: 2,
        client: "a",
        start: 5,
        end: 35,
        pod: "default/web-1",
        local: "10.0.0.1:1000",
        remote: "x:80",
        reused: true,
      }),
      rec({ id: 3, client: "a", start: 6, end: 9, error: "reset", local: "10.0.0.1:1001", remote: "x:80" }),
      rec({ id: 4, client: "b", start: 0, end: 7, pod: "kube-system/web-2", local: "10.0.0.2:999", remote: "x:80" }),
      rec({ id: 5, client: "b", start: 8 }),
    ];
    const served = new Map([
      ["default/web-1", 2],
      ["kube-system/web-2", 1],
    ]);
    const m = summarize(stats, records, served, ["default/web-1", "kube-system/web-2"], 3, {
      connections: new Map([["default/web-1", 1]]),
    });
    expect(m.pods["web-1"]).toMatchObject({ requests: 2, connections: 1, bytesOut: 100, bytesIn: 60 });
    expect(m.pods["web-1"]?.latencyNs).toEqual({ count: 2, p50: 10, p90: 30, p99: 30, max: 30 });
    expect(m.pods["kube-system/web-2"]?.latencyNs.max).toBe(7);
    expect(m.clients.a).toMatchObject({
      requests: 3,
      ok: 2,
      failed: 1,
      errors: { reset: 1 },
      connections: 2,
      reused: 1,
    });
    // Client b's second request is still in flight: neither ok nor failed.
    expect(m.clients.b).toMatchObject({ requests: 2, ok: 1, failed: 0, connections: 1 });
    expect(m.requests).toEqual({ total: 5, ok: 3, failed: 1, errors: { reset: 1 } });
    expect(m.conntrack).toBeUndefined();
    expect(m.dns).toBeUndefined();
  });
});

describe("DNS metrics", () => {
  it("counts lookups, datagrams and errors, and queries a server answered after SIGTERM", () => {
    const m = summarizeDns(
      [
        { start: 0, end: 800, queries: 8, cached: false },
        { start: 0, end: 5_000_000_000, queries: 4, cached: false, error: "timeout" },
        { start: 0, end: 0, queries: 0, cached: true },
        { start: 10, queries: 2, cached: false },
      ],
      new Map([
        ["kube-system/coredns-b", { queries: 30, rcodes: { NOERROR: 29, NXDOMAIN: 1, SERVFAIL: 0 } }],
        ["kube-system/coredns-a", { queries: 10, rcodes: { NOERROR: 10, NXDOMAIN: 0, SERVFAIL: 0 } }],
      ]),
      new Map([["kube-system/coredns-b", 26]]),
    );
    expect(m).toMatchObject({ lookups: 4, ok: 2, failed: 1, cached: 1, queries: 14, errors: { timeout: 1 } });
    expect(m.queriesPerLookup).toBe(3.5);
    expect(m.latencyNs).toMatchObject({ count: 2, max: 800 });
    expect(Object.keys(m.servers)).toEqual(["kube-system/coredns-a", "kube-system/coredns-b"]);
    expect(m.servers["kube-system/coredns-b"]?.queriesTerminating).toBe(4);
    expect(m.servers["kube-system/coredns-a"]?.queriesTerminating).toBe(0);
  });
});

describe("conntrack sampler", () => {
  it("samples every second from t = 0, reading nf_conntrack_count and live UDP entries", () => {
    const sched = new Scheduler();
    const entries: { deadline: number; original: { proto: string } }[] = [];
    const table = {
      get count() {
        return entries.length;
      },
      all: () => entries.values(),
    };
    const sampler = new ConntrackSampler(sched, [{ name: "node-a", conntrack: table as unknown as Conntrack }]);
    sched.at(s(1.5), () => entries.push({ deadline: s(2.5), original: { proto: "UDP" } }));
    sched.at(s(1.5), () => entries.push({ deadline: s(100), original: { proto: "TCP" } }));
    sched.runUntil(s(3));
    const series = sampler.metrics().nodes["node-a"];
    // Samples at 0, 1, 2, 3 s; the UDP entry has expired by 3 s but is not collected (count keeps it).
    expect(series?.entries).toEqual([0, 0, 2, 2]);
    expect(series?.udp).toEqual([0, 0, 1, 0]);
    expect(series).toMatchObject({ max: 2, last: 2 });
    expect(sampler.metrics().intervalNs).toBe(s(1));
  });
});
