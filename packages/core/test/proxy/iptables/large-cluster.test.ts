import { describe, expect, it } from "vitest";
import type { EndpointSlice, Service } from "../../../src/api/index.ts";
import { s } from "../../../src/engine/index.ts";
import { IptablesProgrammer } from "../../../src/proxy/index.ts";
import { ep, epPort, fakeProxierConfig, makeService, makeSlice, port, view } from "../fixtures.ts";

/** proxier_test.go countEndpointsAndComments. */
function countEndpointsAndComments(data: string, match: string): [string, number, number] {
  let matched = "";
  let endpoints = 0;
  let comments = 0;
  for (const line of data.split("\n")) {
    if (line.startsWith("-A KUBE-SEP-") && line.includes("-j DNAT")) {
      endpoints++;
      if (line.includes("--comment")) comments++;
      if (line.includes(match)) matched = line;
    }
  }
  return [matched, endpoints, comments];
}

const svc = (ns: string, name: string, ip: string, portName: string, p: number): Service =>
  makeService(ns, name, (x) => {
    x.spec.clusterIP = ip;
    x.spec.ports = [port(portName, p)];
  });

// largeClusterEndpointsThreshold/2 - 1 endpoints, addressed 10.x.(i%256).(i/256) as in the Go test.
const many = (second: number) =>
  Array.from({ length: 499 }, (_, i) => ep(`10.${second}.${i % 256}.${Math.floor(i / 256)}`));

describe("TestSyncProxyRulesLargeClusterMode (kubernetes pkg/proxy/iptables/proxier_test.go)", () => {
  it("drops endpoint comments above 1000 endpoints and delays stale-chain deletion by a sync period", () => {
    const p = new IptablesProgrammer(fakeProxierConfig({ masqueradeAll: true, syncPeriod: s(30) }));
    const services = new Map<string, Service>();
    const slices = new Map<string, EndpointSlice>();
    const sync = (t: number, full = false) => p.sync(view([...services.values()], [...slices.values()]), full, s(t));
    for (const x of [
      svc("ns1", "svc1", "172.30.0.41", "p80", 80),
      svc("ns2", "svc2", "172.30.0.42", "p8080", 8080),
      svc("ns3", "svc3", "172.30.0.43", "p8081", 8081),
    ]) {
      services.set(x.metadata.name, x);
    }
    slices.set("svc1", makeSlice("ns1", "svc1", 1, many(0), [epPort("p80", 80)]));
    slices.set("svc2", makeSlice("ns2", "svc2", 1, many(1), [epPort("p8080", 8080)]));

    let data = sync(0).restoreInput;
    let expectedEndpoints = 2 * 499;
    expect(countEndpointsAndComments(data, "10.0.0.0")).toEqual([
      "-A KUBE-SEP-DKGQUZGBKLTPAR56 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80",
      expectedEndpoints,
      expectedEndpoints,
    ]);

    const three = [ep("203.0.113.4"), ep("203.0.113.8"), ep("203.0.113.12")];
    slices.set("svc3", makeSlice("ns3", "svc3", 1, three, [epPort("p8081", 8081)]));
    data = sync(1).restoreInput;
    // Only svc3's endpoints are written (no automatic full resync on crossing the threshold).
    expect(countEndpointsAndComments(data, "203.0.113.4")).toEqual([
      "-A KUBE-SEP-RUVVH7YV3PHQBDOS -m tcp -p tcp -j DNAT --to-destination 203.0.113.4:8081",
      3,
      0,
    ]);

    data = sync(2, true).restoreInput;
    expectedEndpoints += 3;
    expect(countEndpointsAndComments(data, "10.0.0.0")).toEqual([
      "-A KUBE-SEP-DKGQUZGBKLTPAR56 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80",
      expectedEndpoints,
      0,
    ]);

    services.set("svc4", svc("ns4", "svc4", "172.30.0.44", "p8082", 8082));
    slices.set("svc4", makeSlice("ns4", "svc4", 1, [ep("10.4.0.1")], [epPort("p8082", 8082)]));
    data = sync(3).restoreInput;
    expect(countEndpointsAndComments(data, "10.4.0.1").slice(0, 2)).toEqual([
      "-A KUBE-SEP-SU5STNODRYEWJAUF -m tcp -p tcp -j DNAT --to-destination 10.4.0.1:8082",
      1,
    ]);

    // Within a sync period of the last cleanup, a deleted Service's chains are not deleted yet.
    services.delete("svc4");
    data = sync(4).restoreInput;
    expect(countEndpointsAndComments(data, "10.4.0.1").slice(0, 2)).toEqual(["", 0]);
    expect(data).not.toContain("-X ");

    // More than a sync period after the last cleanup (at t=0), they are.
    data = sync(31).restoreInput;
    expect(data).toContain("-X KUBE-SVC-EBDQOQU5SJFXRIL3");
    expect(data).toContain("-X KUBE-SEP-SU5STNODRYEWJAUF");

    data = sync(32, true).restoreInput;
    expect(countEndpointsAndComments(data, "10.0.0.0")[1]).toBe(expectedEndpoints);
  });
});
