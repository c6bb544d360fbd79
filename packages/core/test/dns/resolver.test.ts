import { describe, expect, it } from "vitest";
import {
  type AddressFamily,
  type ClientCacheOptions,
  CoreDns,
  CoreDnsServer,
  DnsInformer,
  type DnsQuery,
  type DnsResponse,
  type LookupRecord,
  PodResolver,
  podResolvConf,
  UpstreamTable,
} from "../../src/dns/index.ts";
import { ms, type Nanos, Rng, Scheduler, s, us } from "../../src/engine/index.ts";
import { Network } from "../../src/node/index.ts";
import { TraceRecorder } from "../../src/trace/index.ts";
import { apiOn, WORLD } from "./helpers.ts";

/** When lookups start: after the API objects (and their EndpointSlices) are in place. */
const T = s(1);

type ServerKind = "coredns" | "blackhole" | "none" | "servfail";

/** A client Pod on node-a and a nameserver Pod on node-b (10.244.2.53), pod to pod: no Service in between. */
function setup(
  o: { server?: ServerKind; answerDelay?: Nanos; family?: AddressFamily; cache?: ClientCacheOptions } = {},
) {
  const scheduler = new Scheduler();
  const rng = new Rng(7);
  const tracer = new TraceRecorder("packet");
  const net = new Network({ scheduler, rng, tracer });
  net.addNode({ name: "node-a", ip: "192.168.0.10", podCidr: "10.244.1.0/24" });
  net.addNode({ name: "node-b", ip: "192.168.0.11", podCidr: "10.244.2.0/24" });
  const client = net.attachPod("node-a", "default/client", "10.244.1.2");
  const dns = net.attachPod("node-b", "kube-system/coredns-a", "10.244.2.53");
  const { store } = apiOn(scheduler, ...WORLD);
  const informer = new DnsInformer({ store, scheduler, watchDelay: 0 as Nanos });
  const upstream = new UpstreamTable({ entries: [{ name: "api.example.com", addresses: ["93.184.216.34"] }] });
  const kind = o.server ?? "coredns";
  if (kind === "coredns") {
    const config = {
      zone: "cluster.local",
      ttl: 30,
      pods: "insecure" as const,
      upstream,
      loadbalance: false,
      answerDelay: o.answerDelay ?? us(100),
      upstreamLatency: ms(1),
    };
    const core = new CoreDns(informer, config, "kube-system/coredns-a", rng.stream("lb"));
    new CoreDnsServer({ pod: "kube-system/coredns-a", netns: dns, scheduler, core });
  } else if (kind === "blackhole") {
    dns.bind("UDP", 53, () => {});
  } else if (kind === "servfail") {
    dns.bind("UDP", 53, (pkt) => {
      const q = pkt.payload as DnsQuery;
      const r: DnsResponse = {
        ...q,
        kind: "dns-response",
        rcode: "SERVFAIL",
        answers: [],
        truncated: false,
        server: "x",
      };
      dns.send(dns.packet({ proto: "UDP", dst: pkt.src, srcPort: 53, dstPort: pkt.srcPort, payload: r }));
    });
  }
  const records: LookupRecord[] = [];
  const resolver = new PodResolver({
    pod: "default/client",
    netns: client,
    scheduler,
    rng,
    conf: podResolvConf("default", { clusterDNS: "10.244.2.53" }),
    family: o.family ?? "unspec",
    ...(o.cache ? { cache: o.cache } : {}),
    records,
  });
  /** Looks `name` up at T + `offset` (T = 1 s, after the API objects settled) and runs `horizon` past it. */
  const run = (name: string, offset = 0, horizon = s(60)) => {
    const at = (T + offset) as Nanos;
    let rec: LookupRecord | undefined;
    scheduler.at(at, () => {
      rec = resolver.lookup(name);
    });
    scheduler.runUntil((at + horizon) as Nanos);
    return rec as LookupRecord;
  };
  return { scheduler, tracer, resolver, run, records };
}

const sentToDns = (tracer: TraceRecorder) =>
  tracer.events.filter((e) => e.type === "pkt.send" && e.from === "default/client" && e.pkt.dst.endsWith(":53"));

describe("the Pod resolver against CoreDNS", () => {
  it("counts the ndots amplification: A and AAAA per name, every name on a new port", () => {
    // web: 1 name; web.default: 2; absolute: 1; api.example.com: 3 search NXDOMAINs + itself
    // (search.test.ts derives these from glibc's __res_context_search). Two datagrams per name (AF_UNSPEC).
    const cases: [string, number][] = [
      ["web", 1],
      ["web.default", 2],
      ["web.default.svc.cluster.local.", 1],
      ["api.example.com", 4],
    ];
    for (const [name, names] of cases) {
      const { run, tracer } = setup();
      const rec = run(name);
      expect(rec.error).toBeUndefined();
      expect(rec.tries).toHaveLength(names);
      expect(rec.queries).toBe(2 * names);
      expect(sentToDns(tracer)).toHaveLength(2 * names);
      const ports = rec.tries.flatMap((t) => t.ports);
      expect(new Set(ports).size).toBe(names);
    }
    const { run } = setup();
    const api = run("api.example.com");
    expect(api.addresses).toEqual(["93.184.216.34"]);
    expect(api.answeredName).toBe("api.example.com");
    expect(api.tries.slice(0, 3).every((t) => t.outcome === "nxdomain")).toBe(true);
  });

  it("sends A only for an AF_INET lookup", () => {
    const { run } = setup({ family: "ipv4" });
    const rec = run("api.example.com", 0, s(1));
    expect(rec.queries).toBe(4);
    expect(run("web", s(1), s(1)).addresses).toEqual(["10.96.0.20"]);
  });

  it("times out after 5 s per try, 2 tries per name, then tries the name as is: 20 s for `web`", () => {
    // glibc: per try `retrans << 0` = RES_TIMEOUT 5 s; RES_DFLRETRY 2 tries on the same socket;
    // a timeout in the search list stops it, then the bare name is tried (2 more tries).
    const { run } = setup({ server: "blackhole", family: "ipv4" });
    const start = T;
    const rec = run("web");
    expect(rec.error).toBe("timeout");
    expect(rec.tries.map((t) => t.qname)).toEqual(["web.default.svc.cluster.local", "web"]);
    expect(rec.tries.map((t) => [t.tries, t.ports.length, t.start - start, t.end - start])).toEqual([
      [2, 1, 0, s(10)],
      [2, 1, s(10), s(20)],
    ]);
    expect((rec.end as number) - start).toBe(s(20));
    expect(rec.queries).toBe(4);
    expect(setup({ server: "blackhole" }).run("web").queries).toBe(8);
  });

  it("accepts a late answer to the first try while the second waits (same socket, same id)", () => {
    const { run } = setup({ answerDelay: s(6), family: "ipv4" });
    const rec = run("web");
    expect(rec.addresses).toEqual(["10.96.0.20"]);
    expect(rec.tries[0]?.tries).toBe(2);
    const end = rec.end as number;
    expect(end - T).toBeGreaterThan(s(6));
    expect(end - T).toBeLessThan(s(6) + ms(1));
  });

  it("fails fast with ECONNREFUSED when nothing listens on 53 (ICMP port unreachable), on a new port per try", () => {
    const { run } = setup({ server: "none", family: "ipv4" });
    const rec = run("web");
    expect(rec.error).toBe("refused");
    expect(rec.tries).toHaveLength(1);
    expect(rec.tries[0]?.tries).toBe(2);
    expect(new Set(rec.tries[0]?.ports).size).toBe(2);
    expect((rec.end as number) - T).toBeLessThan(ms(1));
  });

  it("retries SERVFAIL at once on a new socket and goes on down the search list", () => {
    const { run } = setup({ server: "servfail", family: "ipv4" });
    const rec = run("web");
    expect(rec.error).toBe("servfail");
    expect(rec.tries.map((t) => t.qname)).toEqual([
      "web.default.svc.cluster.local",
      "web.svc.cluster.local",
      "web.cluster.local",
      "web",
    ]);
    expect(rec.tries.every((t) => t.tries === 2 && new Set(t.ports).size === 2)).toBe(true);
    expect(rec.queries).toBe(8);
  });

  it("sends again on every lookup without a cache (glibc caches nothing)", () => {
    const { run, resolver } = setup();
    run("web", 0, s(1));
    run("web", s(1), s(1));
    expect(resolver.queries).toBe(4);
  });

  it("answers from the client cache until the TTL (30 s) runs out", () => {
    const { run, records } = setup({ cache: {} });
    const first = run("web", 0, s(1));
    expect(first.ttl).toBe(30);
    expect(first.queries).toBe(2);
    const hit = run("web", s(29), s(1));
    expect(hit).toMatchObject({ cached: true, queries: 0, addresses: ["10.96.0.20"] });
    const miss = run("web", s(31), s(1));
    expect(miss).toMatchObject({ cached: false, queries: 2 });
    expect(records.map((r) => r.cached)).toEqual([false, true, false]);
  });

  it("caps the client cache with maxTtl and caches NXDOMAIN only when asked", () => {
    const capped = setup({ cache: { maxTtl: 5 } });
    capped.run("web", 0, s(1));
    expect(capped.run("web", s(4), s(1)).cached).toBe(true);
    expect(capped.run("web", s(6), s(1)).cached).toBe(false);
    const neg = setup({ cache: { negative: true } });
    expect(neg.run("nope", 0, s(1)).error).toBe("nxdomain");
    expect(neg.run("nope", s(10), s(1))).toMatchObject({ cached: true, error: "nxdomain" });
    expect(setup({ cache: {} }).run("nope", 0, s(1)).cached).toBe(false);
  });
});
