import { describe, expect, it } from "vitest";
import {
  DnsInformer,
  type KubernetesPluginOptions,
  kubernetesAnswer,
  negativeTtl,
  type QType,
  UpstreamTable,
  zoneSoa,
} from "../../src/dns/index.ts";
import { ms, type Nanos } from "../../src/engine/index.ts";
import { apiWith, pod, svc } from "./helpers.ts";

const OPTS: KubernetesPluginOptions = { zone: "cluster.local", ttl: 30, pods: "insecure" };
const upstream = new UpstreamTable({ entries: [{ name: "api.example.com", addresses: ["93.184.216.34"], ttl: 60 }] });

function cluster(...values: unknown[]) {
  const { store, scheduler } = apiWith(
    svc("web", { selector: { app: "web" }, clusterIP: "10.96.0.20", ports: [{ name: "http", port: 80 }] }),
    svc("db", {
      selector: { app: "db" },
      clusterIP: "None",
      ports: [{ name: "pg", port: 5432, targetPort: "tcp" }],
    }),
    pod("db-0", "10.244.1.10", { labels: { app: "db" }, hostname: "db-0", subdomain: "db" }),
    pod("db-1", "10.244.1.11", { labels: { app: "db" }, hostname: "db-1", subdomain: "db" }),
    pod("db-2", "10.244.1.12", { labels: { app: "db" }, hostname: "db-2", subdomain: "db", ready: false }),
    pod("db-x", "10.244.1.13", { labels: { app: "db" } }),
    svc("ext", { type: "ExternalName", externalName: "api.example.com" }),
    svc("gone", { type: "ExternalName", externalName: "nowhere.example.org" }),
    svc("alias", { type: "ExternalName", externalName: "web.default.svc.cluster.local" }),
    ...values,
  );
  const informer = new DnsInformer({ store, scheduler, watchDelay: 0 as Nanos });
  const ask = (name: string, qtype: QType = "A", opts = OPTS) =>
    kubernetesAnswer(informer, name, qtype, opts, (n, t) => upstream.lookup(n, t));
  return { store, scheduler, informer, ask };
}

const addrs = (a: { answers: readonly { type: string; address?: string }[] }) =>
  a.answers.flatMap((r) => (r.type === "A" ? [r.address] : [])).sort();

// Expected values follow CoreDNS plugin/kubernetes (kubernetes.go findServices/findPods,
// parse.go parseRequest, object/endpoint.go readiness filter, handler.go rcodes) and
// plugin/backend_lookup.go (CNAME handling, SOA).
describe("CoreDNS kubernetes plugin records", () => {
  it("answers a ClusterIP Service with its ClusterIP, at the plugin's TTL", () => {
    const { ask } = cluster();
    const a = ask("web.default.svc.cluster.local");
    expect(a.rcode).toBe("NOERROR");
    expect(a.answers).toEqual([{ type: "A", name: "web.default.svc.cluster.local", ttl: 30, address: "10.96.0.20" }]);
    // Names compare case-insensitively (EqualFold).
    expect(addrs(ask("WEB.Default.svc.cluster.local."))).toEqual(["10.96.0.20"]);
  });

  it("answers NODATA (NOERROR, no answers, the zone SOA) for AAAA of an IPv4-only Service", () => {
    const { ask } = cluster();
    const a = ask("web.default.svc.cluster.local", "AAAA");
    expect(a).toEqual({ rcode: "NOERROR", answers: [], authority: zoneSoa(OPTS) });
  });

  it("answers a headless Service with every ready endpoint, and each hostname alone", () => {
    const { ask } = cluster();
    // db-2 is not Ready: its slice endpoint has ready=false and is skipped.
    expect(addrs(ask("db.default.svc.cluster.local"))).toEqual(["10.244.1.10", "10.244.1.11", "10.244.1.13"]);
    expect(addrs(ask("db-0.db.default.svc.cluster.local"))).toEqual(["10.244.1.10"]);
    expect(addrs(ask("db-1.db.default.svc.cluster.local"))).toEqual(["10.244.1.11"]);
    expect(ask("db-2.db.default.svc.cluster.local").rcode).toBe("NXDOMAIN");
    // An endpoint without a hostname answers to its dashed address.
    expect(addrs(ask("10-244-1-13.db.default.svc.cluster.local"))).toEqual(["10.244.1.13"]);
  });

  it("includes not-ready endpoints when the Service publishes them", () => {
    const { ask } = cluster(
      svc("peers", {
        selector: { app: "peer" },
        clusterIP: "None",
        publishNotReadyAddresses: true,
        ports: [{ port: 7000 }],
      }),
      pod("peer-0", "10.244.1.20", { labels: { app: "peer" }, ready: false }),
    );
    expect(addrs(ask("peers.default.svc.cluster.local"))).toEqual(["10.244.1.20"]);
  });

  it("answers NXDOMAIN for a headless Service with no ready endpoint", () => {
    const { ask } = cluster(svc("empty", { selector: { app: "none" }, clusterIP: "None", ports: [{ port: 1 }] }));
    expect(ask("empty.default.svc.cluster.local").rcode).toBe("NXDOMAIN");
  });

  it("answers an ExternalName Service with a CNAME, followed through the upstream", () => {
    const { ask } = cluster();
    expect(ask("ext.default.svc.cluster.local").answers).toEqual([
      { type: "CNAME", name: "ext.default.svc.cluster.local", ttl: 30, target: "api.example.com" },
      { type: "A", name: "api.example.com", ttl: 60, address: "93.184.216.34" },
    ]);
    // The upstream does not know the target: the CNAME alone, still NOERROR (Lookup did not fail).
    const gone = ask("gone.default.svc.cluster.local");
    expect(gone.rcode).toBe("NOERROR");
    expect(gone.answers.map((r) => r.type)).toEqual(["CNAME"]);
    // A target inside the zone is resolved by the plugin itself.
    expect(ask("alias.default.svc.cluster.local").answers.map((r) => r.type)).toEqual(["CNAME", "A"]);
    expect(addrs(ask("alias.default.svc.cluster.local"))).toEqual(["10.96.0.20"]);
  });

  it("answers NXDOMAIN for names that name nothing, NODATA for a bare namespace", () => {
    const { ask } = cluster();
    expect(ask("nope.default.svc.cluster.local").rcode).toBe("NXDOMAIN");
    expect(ask("web.no-such-ns.svc.cluster.local").rcode).toBe("NXDOMAIN");
    expect(ask("web.default.cluster.local").rcode).toBe("NXDOMAIN"); // neither svc nor pod
    // The search-list expansions of external and absolute names (see search.test.ts).
    expect(ask("api.example.com.default.svc.cluster.local").rcode).toBe("NXDOMAIN");
    expect(ask("api.example.com.svc.cluster.local").rcode).toBe("NXDOMAIN");
    expect(ask("api.example.com.cluster.local").rcode).toBe("NXDOMAIN");
    expect(ask("web.default.svc.cluster.local.default.svc.cluster.local").rcode).toBe("NXDOMAIN");
    // parse.go: `service.namespace.svc` without a service is NODATA when the namespace exists.
    const ns = ask("default.svc.cluster.local");
    expect(ns.rcode).toBe("NOERROR");
    expect(ns.answers).toEqual([]);
  });

  it("answers pod records in insecure mode, NXDOMAIN when disabled", () => {
    const { ask } = cluster();
    expect(addrs(ask("10-244-1-99.default.pod.cluster.local"))).toEqual(["10.244.1.99"]);
    expect(ask("10-244-1-99.default.pod.cluster.local", "A", { ...OPTS, pods: "disabled" }).rcode).toBe("NXDOMAIN");
    expect(ask("not-an-ip.default.pod.cluster.local").rcode).toBe("NXDOMAIN");
  });

  it("carries the SOA CoreDNS writes: TTL min(ttl, 300), MINIMUM ttl; negative TTL is their minimum", () => {
    const { ask } = cluster();
    const long = { ...OPTS, ttl: 600 };
    const nx = ask("nope.default.svc.cluster.local", "A", long);
    expect(nx.authority).toMatchObject({
      zone: "cluster.local",
      ttl: 300,
      minimum: 600,
      mname: "ns.dns.cluster.local",
    });
    expect(negativeTtl(nx)).toBe(300);
    expect(negativeTtl(ask("nope.default.svc.cluster.local"))).toBe(30);
  });

  it("answers from what the informer has seen, a watch delay behind the API", () => {
    const { store, scheduler } = apiWith();
    const informer = new DnsInformer({ store, scheduler, watchDelay: ms(50) });
    const at = scheduler.now;
    const [made] = apiWith(svc("late", { clusterIP: "10.96.0.30", ports: [{ port: 80 }] })).store.list("Service");
    store.create(made!);
    const ask = () =>
      kubernetesAnswer(informer, "late.default.svc.cluster.local", "A", OPTS, upstream.lookup.bind(upstream));
    expect(ask().rcode).toBe("NXDOMAIN");
    scheduler.runUntil((at + ms(49)) as Nanos);
    expect(ask().rcode).toBe("NXDOMAIN");
    scheduler.runUntil((at + ms(50)) as Nanos);
    expect(addrs(ask())).toEqual(["10.96.0.30"]);
  });
});
