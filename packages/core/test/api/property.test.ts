import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { DEFAULT_CLUSTER_NETWORK, loadManifests, type Service } from "../../src/api/index.ts";
import { cidrContains, parseCidr, parseIPv4 } from "../../src/net/index.ts";

// A generator of Services the API server accepts (validation.go rules):
// DNS-1035 names, unique named ports when there are several, ports 1–65535,
// IANA targetPort names, externalTrafficPolicy only where allowed, affinity
// timeouts 1..86400. Requested clusterIPs / nodePorts are unique by
// construction (10.96.0.0/12's static band is 10.96.0.1–10.96.1.0, the
// NodePort one 30000–30085: see allocate.test.ts).
const portArb = fc.record({
  port: fc.integer({ min: 1, max: 65535 }),
  protocol: fc.constantFrom("TCP", "UDP", "SCTP"),
  targetPort: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.stringMatching(/^[a-z](-?[a-z0-9]){0,7}$/)),
});

const serviceArb = fc.record({
  type: fc.constantFrom("ClusterIP", "NodePort", "LoadBalancer"),
  ports: fc.uniqueArray(portArb, { minLength: 1, maxLength: 4, selector: (p) => p.port }),
  affinity: fc.option(fc.integer({ min: 1, max: 86400 })),
  local: fc.boolean(),
  itpLocal: fc.boolean(),
  // Requested values in the static band (as users do) or in the dynamic band
  // (where the allocator must step around them).
  requestIP: fc.constantFrom("none", "static", "dynamic"),
  requestNodePort: fc.constantFrom("none", "static", "dynamic"),
  selector: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), fc.stringMatching(/^[a-z0-9]{1,8}$/), {
    maxKeys: 3,
  }),
});

type Gen = typeof serviceArb extends fc.Arbitrary<infer T> ? T : never;

function requestedIP(g: Gen, i: number): string | undefined {
  if (g.requestIP === "none") return undefined;
  return g.requestIP === "static" ? `10.96.0.${i + 1}` : `10.96.1.${2 * i + 1}`;
}

function requestedNodePort(g: Gen, i: number): { nodePort?: number } {
  if (g.requestNodePort === "none") return {};
  return { nodePort: g.requestNodePort === "static" ? 30000 + i : 30086 + 2 * i };
}

function manifest(g: Gen, i: number): Record<string, unknown> {
  const external = g.type !== "ClusterIP";
  const spec: Record<string, unknown> = {
    type: g.type,
    selector: g.selector,
    internalTrafficPolicy: g.itpLocal ? "Local" : "Cluster",
    ports: g.ports.map((p, j) => ({ name: `p${j}`, ...p, ...(j === 0 && external ? requestedNodePort(g, i) : {}) })),
  };
  if (external) spec.externalTrafficPolicy = g.local ? "Local" : "Cluster";
  if (g.affinity !== null)
    Object.assign(spec, {
      sessionAffinity: "ClientIP",
      sessionAffinityConfig: { clientIP: { timeoutSeconds: g.affinity } },
    });
  const ip = requestedIP(g, i);
  if (ip !== undefined) spec.clusterIP = ip;
  return { apiVersion: "v1", kind: "Service", metadata: { name: `svc-${i}`, namespace: "ns" }, spec };
}

describe("any valid Service set", () => {
  it("round-trips through YAML loading with unique in-range ClusterIPs and NodePorts", () => {
    const cidr = parseCidr(DEFAULT_CLUSTER_NETWORK.serviceCIDR);
    const [lo, hi] = DEFAULT_CLUSTER_NETWORK.nodePortRange;
    fc.assert(
      fc.property(fc.array(serviceArb, { minLength: 1, maxLength: 12 }), (gens) => {
        const docs = gens.map(manifest);
        const text = docs.map((d) => stringify(d)).join("---\n");
        const { objects } = loadManifests([{ file: "gen.yaml", text }]);
        const services = objects as Service[];
        expect(services).toHaveLength(gens.length);
        const ips = services.map((s) => s.spec.clusterIP!);
        for (const ip of ips) {
          const n = parseIPv4(ip);
          expect(cidrContains(cidr, n) && n !== cidr.base && n !== (cidr.base | ~cidr.mask) >>> 0).toBe(true);
        }
        expect(new Set(ips).size).toBe(ips.length);
        const nodePorts = services.flatMap((s) => [
          ...new Set(s.spec.ports.flatMap((p) => (p.nodePort === undefined ? [] : [p.nodePort]))),
          ...(s.spec.healthCheckNodePort === undefined ? [] : [s.spec.healthCheckNodePort]),
        ]);
        for (const np of nodePorts) expect(np >= lo && np <= hi).toBe(true);
        expect(new Set(nodePorts).size).toBe(nodePorts.length);
        services.forEach((s, i) => {
          const g = gens[i]!;
          if (g.requestIP !== "none") expect(s.spec.clusterIP).toBe(requestedIP(g, i));
          if (g.requestNodePort !== "none" && g.type !== "ClusterIP")
            expect(s.spec.ports[0]!.nodePort).toBe(requestedNodePort(g, i).nodePort);
          const external = g.type !== "ClusterIP";
          expect(s.spec.ports.every((p) => (p.nodePort !== undefined) === external)).toBe(true);
          expect(s.spec.healthCheckNodePort !== undefined).toBe(g.type === "LoadBalancer" && g.local);
          expect(s.spec.ports.map((p) => p.port)).toEqual(g.ports.map((p) => p.port));
        });
      }),
      { numRuns: 150 },
    );
  });
});
