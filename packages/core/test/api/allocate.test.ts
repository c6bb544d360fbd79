// Expected values derive from the API server's allocators:
// - ipallocator.Range omits the network address (offset 0 is base+1) and the
//   broadcast address; calculateRangeOffset = min(max(16, size/16), 256), so
//   for 10.96.0.0/12 (2^20 addresses) the static band is 256 addresses and the
//   first dynamic address is 10.96.0.0 + 1 + 256 = 10.96.1.1.
// - portallocator calculateRangeOffset = min(max(16, size/32), 128); for
//   30000-32767 (2768 ports) that is 86, so the first dynamic port is 30086.
// - alloc.go initNodePorts reuses one NodePort for ports sharing a port number.
import { describe, expect, it } from "vitest";
import {
  allocateServices,
  ClusterIPAllocator,
  loadManifests,
  NodePortAllocator,
  parseObject,
  type Service,
  staticBandSize,
} from "../../src/api/index.ts";
import { InputError } from "../../src/engine/index.ts";

const svc = (name: string, spec: Record<string, unknown>) =>
  parseObject(
    { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } },
    "t",
  ) as Service;

const yamlSvc = (name: string, spec: string) =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {${spec}}\n`;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return [...err.problems];
    throw err;
  }
  throw new Error("expected an InputError");
}

describe("static bands (calculateRangeOffset)", () => {
  it("matches the API server's formula at the edges", () => {
    expect(staticBandSize(2 ** 20, 16, 256)).toBe(256); // /12: capped at 256
    expect(staticBandSize(256, 16, 256)).toBe(16); // /24: floor at 16
    expect(staticBandSize(16, 16, 256)).toBe(0); // /28: too small for a band
    expect(staticBandSize(2768, 32, 128)).toBe(86); // default NodePort range
  });
});

describe("allocateServices", () => {
  it("allocates ClusterIPs sequentially from the upper band and fills clusterIPs", () => {
    const { services, problems } = allocateServices([
      { service: svc("a", {}), owner: "a" },
      { service: svc("b", {}), owner: "b" },
    ]);
    expect(problems).toEqual([]);
    expect(services.map((s) => s.spec.clusterIP)).toEqual(["10.96.1.1", "10.96.1.2"]);
    expect(services[0]!.spec.clusterIPs).toEqual(["10.96.1.1"]);
  });

  it("does not modify its inputs", () => {
    const input = svc("a", {});
    allocateServices([{ service: input, owner: "a" }]);
    expect(input.spec.clusterIP).toBeUndefined();
  });

  it("honours requested addresses, including ones in the static band", () => {
    const { services } = allocateServices([
      { service: svc("a", {}), owner: "a" },
      { service: svc("dns", { clusterIP: "10.96.1.1" }), owner: "dns" },
    ]);
    // Requested values are reserved first, so `a` moves on to the next address.
    expect(services.map((s) => s.spec.clusterIP)).toEqual(["10.96.1.2", "10.96.1.1"]);
  });

  it("skips headless and ExternalName Services", () => {
    const { services } = allocateServices([
      { service: svc("h", { clusterIP: "None" }), owner: "h" },
      { service: svc("e", { type: "ExternalName", externalName: "db.example.com", ports: [] }), owner: "e" },
    ]);
    expect(services[0]!.spec.clusterIPs).toEqual(["None"]);
    expect(services[1]!.spec.clusterIP).toBeUndefined();
  });

  it("allocates NodePorts from 30086, one per port number, and a healthCheckNodePort for LoadBalancer+Local", () => {
    const lb = svc("lb", {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      ports: [
        { name: "dns", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53, protocol: "TCP" },
        { name: "http", port: 80 },
      ],
    });
    const { services } = allocateServices([{ service: lb, owner: "lb" }]);
    expect(services[0]!.spec.ports.map((p) => p.nodePort)).toEqual([30086, 30086, 30087]);
    expect(services[0]!.spec.healthCheckNodePort).toBe(30088);
  });

  it("gives a LoadBalancer with allocateLoadBalancerNodePorts=false only the NodePorts it asked for", () => {
    const lb = svc("lb", {
      type: "LoadBalancer",
      allocateLoadBalancerNodePorts: false,
      ports: [
        { name: "a", port: 80 },
        { name: "b", port: 81, nodePort: 31000 },
      ],
    });
    const { services } = allocateServices([{ service: lb, owner: "lb" }]);
    expect(services[0]!.spec.ports.map((p) => p.nodePort)).toEqual([undefined, 31000]);
  });

  it("uses a configurable CIDR and range, falling back to the static band when the upper band is full", () => {
    // /29: 8 addresses, 6 usable, no static band (size <= 16).
    const config = { serviceCIDR: "192.168.0.0/29", nodePortRange: [40000, 40001] as [number, number] };
    const entries = Array.from({ length: 7 }, (_, i) => ({ service: svc(`s${i}`, {}), owner: `s${i}` }));
    const { services, problems } = allocateServices(entries, config);
    expect(services.slice(0, 6).map((s) => s.spec.clusterIP)).toEqual([
      "192.168.0.1",
      "192.168.0.2",
      "192.168.0.3",
      "192.168.0.4",
      "192.168.0.5",
      "192.168.0.6",
    ]);
    expect(problems).toEqual([
      { index: 6, path: ["spec", "clusterIP"], message: "no free ClusterIP left in 192.168.0.0/29" },
    ]);
  });
});

describe("allocators", () => {
  it("use the static band once the upper band is exhausted", () => {
    const ports = new NodePortAllocator([1, 40]); // 40 ports: band = max(16, 40/32) = 16
    const got = Array.from({ length: 26 }, () => ports.allocate("x"));
    expect(got.slice(0, 24)).toEqual(Array.from({ length: 24 }, (_, i) => 17 + i));
    expect(got.slice(24)).toEqual([1, 2]);
  });

  it("reuse released values", () => {
    const ips = new ClusterIPAllocator("10.0.0.0/24");
    const first = ips.allocate("a");
    ips.allocate("b");
    ips.release(first!);
    expect(ips.allocate("c")).toBe(first);
  });
});

describe("collisions and range errors name file, document, object and field", () => {
  it("reports two Services with the same clusterIP", () => {
    const text = `${yamlSvc("a", "clusterIP: 10.96.0.10, ports: [{port: 53}]")}---\n${yamlSvc("b", "clusterIP: 10.96.0.10, ports: [{port: 53}]")}`;
    expect(problemsOf(() => loadManifests([{ file: "dns.yaml", text }]))).toEqual([
      "dns.yaml: document 2, Service default/b: spec.clusterIP: 10.96.0.10 is already allocated to Service default/a (dns.yaml: document 1)",
    ]);
  });

  it("reports a clusterIP outside the service CIDR, and the network address", () => {
    const text = `${yamlSvc("a", "clusterIP: 10.0.0.5, ports: [{port: 53}]")}---\n${yamlSvc("b", "clusterIP: 10.96.0.0, ports: [{port: 53}]")}`;
    const lines = problemsOf(() => loadManifests([{ file: "s.yaml", text }]));
    expect(lines).toEqual([
      "s.yaml: document 1, Service default/a: spec.clusterIP: 10.0.0.5 is not in the valid range: the service CIDR is 10.96.0.0/12 (network and broadcast addresses excluded)",
      "s.yaml: document 2, Service default/b: spec.clusterIP: 10.96.0.0 is not in the valid range: the service CIDR is 10.96.0.0/12 (network and broadcast addresses excluded)",
    ]);
  });

  it("reports a nodePort outside the range and two Services with the same nodePort", () => {
    const text = [
      yamlSvc("a", "type: NodePort, ports: [{port: 80, nodePort: 29999}]"),
      yamlSvc("b", "type: NodePort, ports: [{port: 80, nodePort: 30080}]"),
      yamlSvc("c", "type: NodePort, ports: [{name: x, port: 80}, {name: y, port: 81, nodePort: 30080}]"),
    ].join("---\n");
    expect(problemsOf(() => loadManifests([{ file: "np.yaml", text }]))).toEqual([
      "np.yaml: document 1, Service default/a: spec.ports[0].nodePort: 29999 is not in the valid range: the NodePort range is 30000-32767",
      "np.yaml: document 3, Service default/c: spec.ports[1].nodePort: 30080 is already allocated to Service default/b (np.yaml: document 2)",
    ]);
  });

  it("honours a configured range", () => {
    const text = yamlSvc("a", "type: NodePort, ports: [{port: 80, nodePort: 29999}]");
    const { objects } = loadManifests([{ file: "np.yaml", text }], { network: { nodePortRange: [20000, 29999] } });
    expect((objects[0] as Service).spec.ports[0]!.nodePort).toBe(29999);
  });

  it("rejects a bad network config", () => {
    expect(problemsOf(() => loadManifests([], { network: { serviceCIDR: "10.96.0.0" } }))[0]).toMatch(
      /^serviceCIDR: must be an IPv4 CIDR/,
    );
  });
});
