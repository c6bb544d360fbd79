import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type NameOutcome, podResolvConf, SearchWalk } from "../../src/dns/index.ts";

const conf = podResolvConf("default", { clusterDNS: "10.96.0.10" });

/** Runs a walk, answering each name with `answer(name)`; returns the names tried and the result. */
function walk(name: string, answer: (qname: string) => NameOutcome, search = conf.search, ndots = conf.ndots) {
  const w = new SearchWalk(name, search, ndots);
  for (let q = w.next(); q !== undefined; q = w.next()) w.report(answer(q));
  return { tried: w.tried, ok: w.succeeded, error: w.error };
}

// What CoreDNS answers for the names below (records.test.ts checks each of these).
const cluster = (q: string): NameOutcome =>
  q === "web.default.svc.cluster.local" || q === "api.example.com" ? "answer" : "nxdomain";

describe("kubelet's resolv.conf", () => {
  it("searches the Pod's namespace, svc and the cluster domain, then the node's domains, with ndots:5", () => {
    // pkg/kubelet/network/dns/dns.go: clusterSearch then hostSearch, duplicates dropped; options ndots:5.
    expect(conf).toEqual({
      nameservers: ["10.96.0.10"],
      search: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
      ndots: 5,
      timeout: 5,
      attempts: 2,
    });
    const withHost = podResolvConf("shop", { clusterDNS: "10.96.0.10", hostSearch: ["ec2.internal", "cluster.local"] });
    expect(withHost.search).toEqual(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "ec2.internal"]);
  });
});

// The expected sequences follow glibc resolv/res_query.c __res_context_search:
// dots < ndots → each search domain first, then the name as is; dots >= ndots →
// as is first; a trailing dot → as is only; NXDOMAIN/NODATA/SERVFAIL move on,
// a timeout ends the search list (then as is), ECONNREFUSED ends the lookup.
describe("the glibc search walk", () => {
  it("`web`: no dots, the first search domain answers (1 name)", () => {
    expect(walk("web", cluster)).toEqual({ tried: ["web.default.svc.cluster.local"], ok: true, error: undefined });
  });

  it("`web.default`: 1 dot < 5, so <ns>.svc first (NXDOMAIN), then svc.cluster.local answers (2 names)", () => {
    expect(walk("web.default", cluster).tried).toEqual([
      "web.default.default.svc.cluster.local",
      "web.default.svc.cluster.local",
    ]);
  });

  it("`web.default.svc.cluster.local.`: absolute, sent once as is (1 name)", () => {
    expect(walk("web.default.svc.cluster.local.", cluster).tried).toEqual(["web.default.svc.cluster.local"]);
  });

  it("`web.default.svc.cluster.local` without the dot: 4 dots < 5, so 3 NXDOMAINs before the name itself", () => {
    expect(walk("web.default.svc.cluster.local", cluster).tried).toEqual([
      "web.default.svc.cluster.local.default.svc.cluster.local",
      "web.default.svc.cluster.local.svc.cluster.local",
      "web.default.svc.cluster.local.cluster.local",
      "web.default.svc.cluster.local",
    ]);
  });

  it("`api.example.com`: 2 dots < 5, every search domain NXDOMAIN, then as is (3 + 1 names; 4 + 1 with a node domain)", () => {
    expect(walk("api.example.com", cluster).tried).toEqual([
      "api.example.com.default.svc.cluster.local",
      "api.example.com.svc.cluster.local",
      "api.example.com.cluster.local",
      "api.example.com",
    ]);
    // A node resolv.conf with its own search domain (kubelet appends it) makes it 4 NXDOMAINs first.
    const host = podResolvConf("default", { clusterDNS: "10.96.0.10", hostSearch: ["ec2.internal"] });
    const r = walk("api.example.com", cluster, host.search);
    expect(r.tried).toHaveLength(5);
    expect(r.tried.slice(0, 4).every((q) => cluster(q) === "nxdomain")).toBe(true);
    expect(r.tried[3]).toBe("api.example.com.ec2.internal");
    expect(r.ok).toBe(true);
  });

  it("tries a name with ndots dots as is first, keeping that error if nothing answers", () => {
    const r = walk("a.b.c.d.e.f", (q) => (q === "a.b.c.d.e.f" ? "nxdomain" : "nodata"));
    expect(r.tried[0]).toBe("a.b.c.d.e.f"); // 5 dots >= ndots:5
    expect(r.tried).toHaveLength(4);
    // saved_herrno from the as-is try wins over the search list's NO_DATA.
    expect(r.error).toBe("nxdomain");
  });

  it("reports NO_DATA over the last NXDOMAIN, and SERVFAIL's TRY_AGAIN when nothing better", () => {
    expect(walk("x", (q) => (q === "x.svc.cluster.local" ? "nodata" : "nxdomain")).error).toBe("nodata");
    expect(walk("x", (q) => (q === "x.cluster.local" ? "servfail" : "nxdomain")).error).toBe("servfail");
    expect(walk("x", () => "nxdomain").error).toBe("nxdomain");
  });

  it("stops the search list at a timeout but still tries the name as is", () => {
    const r = walk("web", () => "timeout");
    expect(r.tried).toEqual(["web.default.svc.cluster.local", "web"]);
    expect(r.error).toBe("timeout");
  });

  it("ends at once on ECONNREFUSED", () => {
    const r = walk("web", () => "refused");
    expect(r.tried).toEqual(["web.default.svc.cluster.local"]);
    expect(r.error).toBe("refused");
  });

  it("property: with nothing found, each search name and the name itself are tried exactly once, as-is first iff dots >= ndots", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 6 }),
        fc.uniqueArray(
          fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join(".")),
          { maxLength: 6 },
        ),
        fc.integer({ min: 0, max: 15 }),
        (labels, search, ndots) => {
          const name = labels.join(".");
          const dots = labels.length - 1;
          const r = walk(name, () => "nxdomain", search, ndots);
          const expanded = search.map((d) => `${name}.${d}`);
          expect(r.tried.length).toBe(search.length + 1);
          expect(new Set(r.tried)).toEqual(new Set([...expanded, name]));
          expect(r.tried[0] === name).toBe(dots >= ndots || search.length === 0);
          expect(r.ok).toBe(false);
        },
      ),
    );
  });
});
