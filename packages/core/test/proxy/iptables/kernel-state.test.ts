import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EndpointSlice, Service } from "../../../src/api/index.ts";
import { s } from "../../../src/engine/index.ts";
import { IptablesProgrammer } from "../../../src/proxy/index.ts";
import { ep, epPort, fakeProxierConfig, makeService, makeSlice, port, view } from "../fixtures.ts";
import { parseDump } from "./dump.ts";

describe("node tables after syncs", () => {
  it("installs kube-proxy's jump rules from the built-in chains and the canary chains on a full sync", () => {
    const p = new IptablesProgrammer(fakeProxierConfig());
    p.sync(view([], []), true, s(0));
    const save = p.iptablesSave(["filter", "nat", "mangle"]);
    const rules = (chain: string) => save.split("\n").filter((l) => l.startsWith(`-A ${chain} `));
    // proxier.go iptablesJumpChains, each prepended: the last one installed comes first.
    expect(rules("PREROUTING")).toEqual([
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ]);
    expect(rules("POSTROUTING")).toEqual([
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    ]);
    expect(rules("FORWARD")).toEqual([
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]);
    expect(save.match(/^:KUBE-PROXY-CANARY - \[0:0\]$/gm)).toHaveLength(3);
    expect(() => parseDump(save)).not.toThrow();
  });

  it("partial syncs leave the tables exactly as a fresh full sync of the final view would", () => {
    const arbService = fc.record({
      id: fc.integer({ min: 1, max: 4 }),
      nodePort: fc.boolean(),
      local: fc.boolean(),
      affinity: fc.boolean(),
      endpoints: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }),
    });
    const viewOf = (
      specs: { id: number; nodePort: boolean; local: boolean; affinity: boolean; endpoints: number[] }[],
    ) => {
      const services: Service[] = [];
      const slices: EndpointSlice[] = [];
      for (const sp of specs) {
        services.push(
          makeService(`ns${sp.id}`, `svc${sp.id}`, (x) => {
            x.spec.type = sp.nodePort ? "NodePort" : "ClusterIP";
            x.spec.clusterIP = `172.30.0.${sp.id}`;
            x.spec.ports = [port("p80", 80, "TCP", sp.nodePort ? 30000 + sp.id : undefined)];
            if (sp.nodePort) x.spec.externalTrafficPolicy = sp.local ? "Local" : "Cluster";
            if (sp.affinity) {
              x.spec.sessionAffinity = "ClientIP";
              x.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
            }
          }),
        );
        const eps = sp.endpoints.map((e) => ep(`10.${sp.id}.0.${e}`, e % 2 === 0 ? "test-node" : "other"));
        slices.push(makeSlice(`ns${sp.id}`, `svc${sp.id}`, 1, eps, [epPort("p80", 80)]));
      }
      return view(services, slices);
    };
    const arbView = fc.uniqueArray(arbService, { selector: (x) => x.id, maxLength: 4 }).map(viewOf);
    fc.assert(
      fc.property(fc.array(arbView, { minLength: 1, maxLength: 5 }), (views) => {
        const incremental = new IptablesProgrammer(fakeProxierConfig());
        for (const [i, v] of views.entries()) incremental.sync(v, false, s(i));
        const fresh = new IptablesProgrammer(fakeProxierConfig());
        fresh.sync(views[views.length - 1]!, true, s(0));
        expect(incremental.iptablesSave()).toBe(fresh.iptablesSave());
      }),
      { numRuns: 150 },
    );
  });
});
