import { describe, expect, it } from "vitest";
import {
  CoreDns,
  type CoreDnsConfig,
  DnsInformer,
  type DnsQuery,
  KUBEADM_CACHE,
  queryBytes,
  responseBytes,
  UDP_DNS_MAX_BYTES,
  UpstreamTable,
  zoneSoa,
} from "../../src/dns/index.ts";
import { type Nanos, Rng, s, us } from "../../src/engine/index.ts";
import { apiWith, pod, svc } from "./helpers.ts";

const query = (qname: string, id = 1): DnsQuery => ({ kind: "dns-query", id, qname, qtype: "A" });

function core(config: Partial<CoreDnsConfig> = {}, ...values: unknown[]) {
  const { store, scheduler } = apiWith(
    svc("web", { selector: { app: "web" }, clusterIP: "10.96.0.20", ports: [{ port: 80 }] }),
    ...values,
  );
  const informer = new DnsInformer({ store, scheduler, watchDelay: 0 as Nanos });
  const full: CoreDnsConfig = {
    zone: "cluster.local",
    ttl: 30,
    pods: "insecure",
    upstream: new UpstreamTable({ entries: [{ name: "api.example.com", addresses: ["93.184.216.34"], ttl: 300 }] }),
    cache: KUBEADM_CACHE,
    loadbalance: false,
    answerDelay: us(100),
    upstreamLatency: us(900),
    ...config,
  };
  return new CoreDns(informer, full, "kube-system/coredns-a", new Rng(3).stream("lb"));
}

describe("DNS message sizes (RFC 1035 wire format)", () => {
  it("counts header, question and compressed answers", () => {
    // web.default.svc.cluster.local: labels 3+7+3+7+5 = 25 bytes, one length octet each (5)
    // and the root octet: 31; with the 12-byte header and QTYPE/QCLASS (4): 47.
    expect(queryBytes({ qname: "web.default.svc.cluster.local" })).toBe(47);
    const one = core().answer(query("web.default.svc.cluster.local"), s(1)).response;
    // One A record whose owner is a pointer to the question: 2 + 10 (type, class, TTL, RDLENGTH) + 4.
    expect(responseBytes(one)).toBe(47 + 16);
    const nx = core().answer(query("nope.default.svc.cluster.local"), s(1)).response;
    // Question 48; SOA: owner cluster.local → pointer 2, fixed 10, ns.dns.<ptr> 3+4+2, hostmaster.<ptr> 11+2, 5×4 bytes.
    expect(nx.authority).toEqual(zoneSoa({ zone: "cluster.local", ttl: 30, pods: "insecure" }));
    expect(responseBytes(nx)).toBe(48 + 2 + 10 + 9 + 13 + 20);
  });

  it("truncates an answer that does not fit 512 bytes and sets TC", () => {
    const pods = Array.from({ length: 40 }, (_, i) =>
      pod(`big-${i}`, `10.244.1.${100 + i}`, { labels: { app: "big" } }),
    );
    const dns = core({}, svc("big", { selector: { app: "big" }, clusterIP: "None", ports: [{ port: 1 }] }), ...pods);
    const r = dns.answer(query("big.default.svc.cluster.local"), s(1)).response;
    // 47-byte question + 16 bytes per A record: (512 - 47) / 16 → 29 records fit.
    expect(r.truncated).toBe(true);
    expect(r.answers).toHaveLength(29);
    expect(responseBytes(r)).toBeLessThanOrEqual(UDP_DNS_MAX_BYTES);
  });
});

describe("CoreDNS plugin chain", () => {
  it("forwards names outside the zone, with the upstream's extra latency", () => {
    const dns = core({ cache: undefined });
    const ext = dns.answer(query("api.example.com"), s(1));
    expect(ext.source).toBe("forward");
    expect(ext.delay).toBe(us(1000));
    expect(ext.response.answers).toMatchObject([{ type: "A", address: "93.184.216.34", ttl: 300 }]);
    const local = dns.answer(query("web.default.svc.cluster.local"), s(1));
    expect([local.source, local.delay]).toEqual(["kubernetes", us(100)]);
  });

  it("caches forwarded answers for at most 30 s (`cache 30`), rewriting every TTL, but not the cluster zone", () => {
    const dns = core();
    const first = dns.answer(query("api.example.com"), s(1));
    expect(first.response.answers[0]?.ttl).toBe(30);
    const later = dns.answer(query("api.example.com", 2), s(11));
    expect(later.source).toBe("cache");
    expect(later.response.id).toBe(2);
    expect(later.response.answers[0]?.ttl).toBe(20);
    expect(dns.answer(query("api.example.com"), s(31)).source).toBe("forward");
    // kubeadm's `disable success|denial cluster.local`: cluster answers always come from the informer.
    dns.answer(query("web.default.svc.cluster.local"), s(1));
    expect(dns.answer(query("web.default.svc.cluster.local"), s(2)).source).toBe("kubernetes");
  });

  it("shuffles A records with loadbalance and keeps them in slice order without it", () => {
    const pods = [1, 2, 3, 4].map((i) => pod(`h-${i}`, `10.244.1.${i}`, { labels: { app: "h" } }));
    const headless = svc("h", { selector: { app: "h" }, clusterIP: "None", ports: [{ port: 1 }] });
    const orders = (lb: boolean) => {
      const dns = core({ loadbalance: lb }, headless, ...pods);
      return new Set(
        Array.from({ length: 20 }, (_, i) =>
          dns
            .answer(query("h.default.svc.cluster.local", i), s(1))
            .response.answers.map((r) => (r.type === "A" ? r.address : ""))
            .join(","),
        ),
      );
    };
    expect(orders(false).size).toBe(1);
    const shuffled = orders(true);
    expect(shuffled.size).toBeGreaterThan(1);
    for (const order of shuffled)
      expect(order.split(",").sort()).toEqual(["10.244.1.1", "10.244.1.2", "10.244.1.3", "10.244.1.4"]);
  });
});
