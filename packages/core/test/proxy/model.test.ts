import { describe, expect, it } from "vitest";
import type { Service } from "../../src/api/index.ts";
import {
  type EndpointsMap,
  endpointsFromSlices,
  ProxyState,
  ServiceChangeTracker,
  type ServicePortMap,
  servicePortsOf,
} from "../../src/proxy/index.ts";
import { ep, epPort, makeService, makeSlice, port, view } from "./fixtures.ts";

const portsOf = (specs: [string, "TCP" | "UDP" | "SCTP", number, number][]) =>
  specs.map(([name, protocol, p, nodePort]) => ({ ...port(name, p, protocol, nodePort), targetPort: 0 }));

const healthCheckNodePorts = (map: ServicePortMap) => {
  const out = new Map<string, number>();
  for (const info of map.values()) {
    if (info.healthCheckNodePort !== 0) out.set(`${info.name.namespace}/${info.name.name}`, info.healthCheckNodePort);
  }
  return out;
};

// proxier_test.go TestBuildServiceMapAddRemove: the four Services and what the port map holds.
function addRemoveServices(): Service[] {
  return [
    makeService("somewhere-else", "cluster-ip", (s) => {
      s.spec.clusterIP = "172.30.55.4";
      s.spec.ports = portsOf([
        ["something", "UDP", 1234, 4321],
        ["somethingelse", "UDP", 1235, 5321],
        ["sctpport", "SCTP", 1236, 6321],
      ]);
    }),
    makeService("somewhere-else", "node-port", (s) => {
      s.spec.type = "NodePort";
      s.spec.clusterIP = "172.30.55.10";
      s.spec.ports = portsOf([
        ["blahblah", "UDP", 345, 678],
        ["moreblahblah", "TCP", 344, 677],
        ["muchmoreblah", "SCTP", 343, 676],
      ]);
    }),
    makeService("somewhere", "load-balancer", (s) => {
      s.spec.type = "LoadBalancer";
      s.spec.clusterIP = "172.30.55.11";
      s.spec.loadBalancerIP = "1.2.3.4";
      s.spec.ports = portsOf([
        ["foobar", "UDP", 8675, 30061],
        ["baz", "UDP", 8676, 30062],
      ]);
      s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }];
    }),
    makeService("somewhere", "only-local-load-balancer", (s) => {
      s.spec.type = "LoadBalancer";
      s.spec.clusterIP = "172.30.55.12";
      s.spec.loadBalancerIP = "5.6.7.8";
      s.spec.ports = portsOf([
        ["foobar2", "UDP", 8677, 30063],
        ["baz", "UDP", 8678, 30064],
      ]);
      s.status.loadBalancer.ingress = [{ ip: "5.6.7.8" }];
      s.spec.externalTrafficPolicy = "Local";
      s.spec.healthCheckNodePort = 345;
    }),
  ];
}

describe("ServiceChangeTracker (proxier_test.go TestBuildServiceMap*)", () => {
  it("TestBuildServiceMapAddRemove", () => {
    const services = addRemoveServices();
    const tracker = new ServiceChangeTracker();
    const map: ServicePortMap = new Map();
    for (const s of services) tracker.update(undefined, s);
    tracker.applyTo(map);
    expect(map.size).toBe(10);
    expect(healthCheckNodePorts(map)).toEqual(new Map([["somewhere/only-local-load-balancer", 345]]));

    const oneService = makeService("somewhere-else", "cluster-ip", (s) => {
      s.spec.clusterIP = "172.30.55.4";
      s.spec.ports = portsOf([["somethingelse", "UDP", 1235, 5321]]);
    });
    tracker.update(services[0], oneService);
    for (const s of services.slice(1)) tracker.update(s, undefined);
    const updated = tracker.applyTo(map);
    expect(map.size).toBe(1);
    expect(healthCheckNodePorts(map).size).toBe(0);
    expect([...updated].sort()).toEqual([
      "somewhere-else/cluster-ip",
      "somewhere-else/node-port",
      "somewhere/load-balancer",
      "somewhere/only-local-load-balancer",
    ]);
  });

  it("TestBuildServiceMapServiceHeadless and ...TypeExternalName: nothing is proxied", () => {
    const headless = makeService("somewhere-else", "headless", (s) => {
      s.spec.clusterIP = "None";
      s.spec.ports = portsOf([["rpc", "UDP", 1234, 0]]);
    });
    const external = makeService("somewhere-else", "external-name", (s) => {
      s.spec.type = "ExternalName";
      s.spec.clusterIP = "172.30.55.4"; // Should be ignored
      s.spec.externalName = "foo2.bar.com";
      s.spec.ports = portsOf([["blah", "UDP", 1235, 5321]]);
    });
    expect(servicePortsOf(headless)).toEqual([]);
    expect(servicePortsOf(external)).toEqual([]);
  });

  it("TestBuildServiceMapServiceUpdate: health check port follows type and policy; no-op updates change nothing", () => {
    const v1 = makeService("somewhere", "some-service", (s) => {
      s.spec.clusterIP = "172.30.55.4";
      s.spec.ports = portsOf([
        ["something", "UDP", 1234, 4321],
        ["somethingelse", "TCP", 1235, 5321],
      ]);
    });
    const v2 = makeService("somewhere", "some-service", (s) => {
      s.spec.type = "LoadBalancer";
      s.spec.clusterIP = "172.30.55.4";
      s.spec.loadBalancerIP = "1.2.3.4";
      s.spec.ports = portsOf([
        ["something", "UDP", 1234, 4321],
        ["somethingelse", "TCP", 1235, 5321],
      ]);
      s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }];
      s.spec.externalTrafficPolicy = "Local";
      s.spec.healthCheckNodePort = 345;
    });
    const tracker = new ServiceChangeTracker();
    const map: ServicePortMap = new Map();
    tracker.update(undefined, v1);
    tracker.applyTo(map);
    expect([map.size, healthCheckNodePorts(map).size]).toEqual([2, 0]);
    tracker.update(v1, v2);
    tracker.applyTo(map);
    expect([map.size, healthCheckNodePorts(map).size]).toEqual([2, 1]);
    // why: Update() drops a change whose previous and current port maps are DeepEqual.
    expect(tracker.update(v2, v2)).toBe(false);
    expect(tracker.applyTo(map).size).toBe(0);
    tracker.update(v2, v1);
    tracker.applyTo(map);
    expect([map.size, healthCheckNodePorts(map).size]).toEqual([2, 0]);
  });

  it("a change undone before the sync leaves nothing pending", () => {
    const [a] = addRemoveServices();
    const b = makeService("somewhere-else", "cluster-ip", (s) => {
      Object.assign(s.spec, a!.spec, { clusterIP: "172.30.55.99" });
    });
    const tracker = new ServiceChangeTracker();
    tracker.update(undefined, a);
    tracker.applyTo(new Map());
    expect(tracker.update(a, b)).toBe(true);
    expect(tracker.update(b, a)).toBe(false);
  });
});

describe("endpointsFromSlices (endpointslicecache.go)", () => {
  const slices = (...list: ReturnType<typeof makeSlice>[]) => new Map(list.map((s) => [s.metadata.name, s]));

  it("dedups an endpoint seen in two slices, preferring the non-terminating one", () => {
    const old = makeSlice(
      "ns",
      "svc",
      1,
      [ep("10.0.0.1", "node-a", { ready: false, serving: true, terminating: true })],
      [epPort("p", 80)],
    );
    const fresh = makeSlice("ns", "svc", 2, [ep("10.0.0.1", "test-node")], [epPort("p", 80)]);
    for (const order of [slices(old, fresh), slices(fresh, old)]) {
      const eps = endpointsFromSlices("ns/svc", order, "test-node").get("ns/svc:p/TCP")!;
      expect(eps.map((e) => [e.endpoint, e.ready, e.terminating, e.isLocal])).toEqual([
        ["10.0.0.1:80", true, false, true],
      ]);
    }
  });

  it("sorts endpoints by their ip:port string (byEndpoint), not numerically", () => {
    const s = makeSlice("ns", "svc", 1, [ep("10.0.0.2"), ep("10.0.0.10"), ep("10.0.0.1")], [epPort("p", 80)]);
    const eps = endpointsFromSlices("ns/svc", slices(s), "n").get("ns/svc:p/TCP")!;
    expect(eps.map((e) => e.endpoint)).toEqual(["10.0.0.10:80", "10.0.0.1:80", "10.0.0.2:80"]);
  });

  it("reads absent conditions as ready and serving, not terminating; ignores ports without a number", () => {
    const s = makeSlice("ns", "svc", 1, [ep("10.0.0.1")], [epPort("p", 80), { name: "q", protocol: "TCP" }]);
    const map: EndpointsMap = endpointsFromSlices("ns/svc", slices(s), "n");
    expect([...map.keys()]).toEqual(["ns/svc:p/TCP"]);
    const e = map.get("ns/svc:p/TCP")![0]!;
    expect([e.ready, e.serving, e.terminating]).toEqual([true, true, false]);
  });
});

describe("ProxyState", () => {
  const svc = makeService("ns", "svc", (s) => {
    s.spec.clusterIP = "172.30.0.1";
    s.spec.ports = [port("p", 80)];
  });
  const slice = makeSlice("ns", "svc", 1, [ep("10.0.0.1")], [epPort("p", 80)]);

  it("reports a Service as updated when any of its slices changed, even if only a label did", () => {
    const state = new ProxyState("test-node");
    state.observe(view([svc], [slice]));
    expect([...state.apply().updatedServices]).toEqual(["ns/svc"]);
    state.observe(view([svc], [slice]));
    expect(state.apply().updatedServices.size).toBe(0);
    const relabelled = { ...slice, metadata: { ...slice.metadata, labels: { ...slice.metadata.labels, extra: "x" } } };
    state.observe(view([svc], [relabelled]));
    expect([...state.apply().updatedServices]).toEqual(["ns/svc"]);
    expect(state.endpoints.get("ns/svc:p/TCP")!.map((e) => e.endpoint)).toEqual(["10.0.0.1:80"]);
  });

  it("drops the endpoints of deleted slices and the ports of deleted Services", () => {
    const state = new ProxyState("test-node");
    state.observe(view([svc], [slice]));
    state.apply();
    state.observe(view([], []));
    expect([...state.apply().updatedServices]).toEqual(["ns/svc"]);
    expect(state.services.size).toBe(0);
    expect(state.endpoints.size).toBe(0);
  });

  it("ignores slices that are not IPv4 or have no service-name label", () => {
    const state = new ProxyState("test-node");
    const fqdn = { ...slice, addressType: "FQDN" as const };
    const orphan = { ...slice, metadata: { ...slice.metadata, name: "orphan", labels: {} } };
    state.observe(view([], [fqdn, orphan]));
    expect(state.hasPendingChanges).toBe(false);
  });
});
