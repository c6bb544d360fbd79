import { describe, expect, it } from "vitest";
import type { EndpointSlice, Service } from "../../../src/api/index.ts";
import { s } from "../../../src/engine/index.ts";
import { parseIptablesSave, type Ruleset } from "../../../src/netfilter/index.ts";
import { IptablesLoader, IptablesProgrammer } from "../../../src/proxy/index.ts";
import { ep, epPort, fakeProxierConfig, makeService, makeSlice, port, view } from "../fixtures.ts";

function svc(name: string, ip: string, p: number, affinity = false): Service {
  return makeService("ns", name, (sv) => {
    sv.spec.clusterIP = ip;
    sv.spec.ports = [port("p", p, "TCP", 30000 + p)];
    sv.spec.type = "NodePort";
    if (affinity) sv.spec.sessionAffinity = "ClientIP";
  });
}

function slice(name: string, p: number, ips: string[]): EndpointSlice {
  return makeSlice(
    "ns",
    name,
    1,
    ips.map((ip) => ep(ip)),
    [epPort("p", p, "TCP")],
  );
}

/** What a ruleset says about each chain, without the text layout only a parsed dump has. */
function chainsOf(rs: Ruleset) {
  return [...rs.tables.values()].map((t) => ({
    table: t.name,
    chains: [...t.chains.values()].map((c) => ({
      name: c.name,
      builtin: c.builtin,
      policy: c.policy,
      policyText: c.policyText,
      counters: c.counters,
      rules: c.rules.map((r) => ({ matches: r.matches, target: r.target, counters: r.counters, source: r.source })),
    })),
  }));
}

describe("IptablesLoader", () => {
  it("gives what parseIptablesSave reads from iptables-save, through full and partial syncs", () => {
    const programmer = new IptablesProgrammer(fakeProxierConfig());
    const loader = new IptablesLoader();
    const a = svc("a", "172.30.0.41", 80, true);
    const b = svc("b", "172.30.0.42", 81);
    const c = svc("c", "172.30.0.43", 82);
    const steps: [Service[], EndpointSlice[], boolean][] = [
      [[a, b], [slice("a", 80, ["10.180.0.1", "10.180.0.2"]), slice("b", 81, ["10.180.0.3"])], true],
      // b's endpoints change: a partial sync rewrites b's chains and the shared ones only.
      [[a, b], [slice("a", 80, ["10.180.0.1", "10.180.0.2"]), slice("b", 81, ["10.180.0.3", "10.180.0.4"])], false],
      // a goes, c comes: a's chains are deleted as stale.
      [[b, c], [slice("b", 81, ["10.180.0.3", "10.180.0.4"]), slice("c", 82, ["10.180.0.5"])], false],
      [[b, c], [slice("b", 81, ["10.180.0.3", "10.180.0.4"]), slice("c", 82, ["10.180.0.5"])], true],
    ];
    steps.forEach(([services, slices, full], k) => {
      const sliceObjs = slices.map((x, i) => ({ ...x, metadata: { ...x.metadata, name: `${x.metadata.name}-${i}` } }));
      programmer.sync(view(services, sliceObjs), full, s(k));
      const loaded = loader.load(programmer.tables, ["filter", "nat"], "test");
      const parsed = parseIptablesSave(programmer.iptablesSave(["filter", "nat"]));
      expect(chainsOf(loaded)).toEqual(chainsOf(parsed));
      expect([...loaded.tables.keys()]).toEqual(["filter", "nat"]);
    });
  });

  it("keeps a chain no sync touched as it is, and gives a rewritten one fresh rules", () => {
    const programmer = new IptablesProgrammer(fakeProxierConfig());
    const loader = new IptablesLoader();
    const b = svc("b", "172.30.0.42", 81);
    const sl = slice("b", 81, ["10.180.0.3"]);
    programmer.sync(view([b], [sl]), true, s(0));
    const first = loader.load(programmer.tables, ["nat"], "test").tables.get("nat");
    programmer.sync(view([b], [sl]), false, s(1));
    const second = loader.load(programmer.tables, ["nat"], "test").tables.get("nat");
    const sep = [...(first?.chains.keys() ?? [])].find((n) => n.startsWith("KUBE-SEP-")) as string;
    // why: kube-proxy's partial sync leaves an unchanged Service's chains out of the restore input,
    // so the kernel keeps them (and their counters) as they were.
    expect(second?.chains.get(sep)).toBe(first?.chains.get(sep));
    // KUBE-SERVICES is written in every sync: a new chain whose rules start from zero.
    expect(second?.chains.get("KUBE-SERVICES")).not.toBe(first?.chains.get("KUBE-SERVICES"));
    expect(second?.chains.get("KUBE-SERVICES")?.rules[0]).not.toBe(first?.chains.get("KUBE-SERVICES")?.rules[0]);
    expect(second?.chains.get("KUBE-SERVICES")?.rules).toEqual(first?.chains.get("KUBE-SERVICES")?.rules);
  });
});
