import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { categorizeEndpoints, type EndpointInfo, type ServicePortInfo } from "../../src/proxy/index.ts";

const ZONE = "topology.kubernetes.io/zone";

interface EpSpec {
  endpoint: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  isLocal?: boolean;
  zoneHints?: string[];
  nodeHints?: string[];
}

function epInfo(e: EpSpec): EndpointInfo {
  const [ip = "", p = "0"] = e.endpoint.split(":");
  return {
    ip,
    port: Number(p),
    endpoint: e.endpoint,
    isLocal: e.isLocal ?? false,
    ready: e.ready ?? false,
    serving: e.serving ?? false,
    terminating: e.terminating ?? false,
    ...(e.zoneHints ? { zoneHints: e.zoneHints } : {}),
    ...(e.nodeHints ? { nodeHints: e.nodeHints } : {}),
  };
}

/** topology_test.go's `&BaseServicePort{...}`: only the policy flags and nodePort matter. */
function svcInfo(
  f: { internalPolicyLocal?: boolean; externalPolicyLocal?: boolean; nodePort?: number } = {},
): ServicePortInfo {
  return {
    name: { namespace: "ns", name: "svc", port: "", protocol: "TCP" },
    nameString: "ns/svc",
    clusterIP: "172.30.0.1",
    port: 80,
    protocol: "TCP",
    nodePort: f.nodePort ?? 0,
    sessionAffinity: "None",
    stickyMaxAgeSeconds: 0,
    externalIPs: [],
    loadBalancerVIPs: [],
    loadBalancerSourceRanges: [],
    healthCheckNodePort: 0,
    externalPolicyLocal: f.externalPolicyLocal ?? false,
    internalPolicyLocal: f.internalPolicyLocal ?? false,
  };
}

const zoned = (zone: string | undefined, ...eps: EpSpec[]): { labels: Record<string, string>; eps: EpSpec[] } => ({
  labels: zone === undefined ? {} : { [ZONE]: zone },
  eps,
});
const r = (endpoint: string, zoneHints?: string[], extra: Partial<EpSpec> = {}): EpSpec => ({
  endpoint,
  ready: true,
  ...(zoneHints ? { zoneHints } : {}),
  ...extra,
});

interface Case {
  name: string;
  labels?: Record<string, string>;
  svc: ServicePortInfo;
  eps: EpSpec[];
  cluster: string[];
  local: string[];
  all: string[];
  hasAny: boolean;
}

const fourZoned = [
  r("10.1.2.3:80", ["zone-a"]),
  r("10.1.2.4:80", ["zone-b"]),
  r("10.1.2.5:80", ["zone-c"]),
  r("10.1.2.6:80", ["zone-a"]),
];
const a4 = ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.5:80", "10.1.2.6:80"];

// Cases from kubernetes pkg/proxy/topology_test.go TestCategorizeEndpoints (hints cases with the
// "auto" annotation: newer kube-proxy applies hints without it; ProxyTerminatingEndpoints is GA).
const cases: Case[] = [
  {
    name: "normal endpoint filtering",
    ...zoned("zone-a", ...fourZoned),
    svc: svcInfo(),
    cluster: ["10.1.2.3:80", "10.1.2.6:80"],
    local: [],
    all: ["10.1.2.3:80", "10.1.2.6:80"],
    hasAny: true,
  },
  {
    name: "externalTrafficPolicy: Local, topology ignored for Local endpoints",
    ...zoned(
      "zone-a",
      r("10.1.2.3:80", ["zone-a"], { isLocal: true }),
      r("10.1.2.4:80", ["zone-b"], { isLocal: true }),
      r("10.1.2.5:80", ["zone-c"]),
      r("10.1.2.6:80", ["zone-a"]),
    ),
    svc: svcInfo({ externalPolicyLocal: true, nodePort: 8080 }),
    cluster: ["10.1.2.3:80", "10.1.2.6:80"],
    local: ["10.1.2.3:80", "10.1.2.4:80"],
    all: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.6:80"],
    hasAny: true,
  },
  {
    name: "internalTrafficPolicy: Local, topology ignored for Local endpoints",
    ...zoned(
      "zone-a",
      r("10.1.2.3:80", ["zone-a"], { isLocal: true }),
      r("10.1.2.4:80", ["zone-b"], { isLocal: true }),
      r("10.1.2.5:80", ["zone-c"]),
      r("10.1.2.6:80", ["zone-a"]),
    ),
    svc: svcInfo({ internalPolicyLocal: true, nodePort: 8080 }),
    cluster: ["10.1.2.3:80", "10.1.2.6:80"],
    local: ["10.1.2.3:80", "10.1.2.4:80"],
    all: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.6:80"],
    hasAny: true,
  },
  {
    name: "empty node labels",
    ...zoned(undefined, r("10.1.2.3:80", ["zone-a"])),
    svc: svcInfo(),
    cluster: ["10.1.2.3:80"],
    local: [],
    all: ["10.1.2.3:80"],
    hasAny: true,
  },
  {
    name: "empty zone label",
    ...zoned("", r("10.1.2.3:80", ["zone-a"])),
    svc: svcInfo(),
    cluster: ["10.1.2.3:80"],
    local: [],
    all: ["10.1.2.3:80"],
    hasAny: true,
  },
  {
    name: "node in different zone, no endpoint filtering",
    ...zoned("zone-b", r("10.1.2.3:80", ["zone-a"])),
    svc: svcInfo(),
    cluster: ["10.1.2.3:80"],
    local: [],
    all: ["10.1.2.3:80"],
    hasAny: true,
  },
  {
    name: "unready endpoint",
    ...zoned(
      "zone-a",
      r("10.1.2.3:80", ["zone-a"]),
      r("10.1.2.4:80", ["zone-b"]),
      r("10.1.2.5:80", ["zone-c"]),
      r("10.1.2.6:80", ["zone-a"], { ready: false }),
    ),
    svc: svcInfo(),
    cluster: ["10.1.2.3:80"],
    local: [],
    all: ["10.1.2.3:80"],
    hasAny: true,
  },
  {
    name: "only unready endpoints in same zone (should not filter)",
    ...zoned(
      "zone-a",
      r("10.1.2.3:80", ["zone-a"], { ready: false }),
      r("10.1.2.4:80", ["zone-b"]),
      r("10.1.2.5:80", ["zone-c"]),
      r("10.1.2.6:80", ["zone-a"], { ready: false }),
    ),
    svc: svcInfo(),
    cluster: ["10.1.2.4:80", "10.1.2.5:80"],
    local: [],
    all: ["10.1.2.4:80", "10.1.2.5:80"],
    hasAny: true,
  },
  {
    name: "missing hints, no filtering applied",
    ...zoned(
      "zone-a",
      r("10.1.2.3:80", ["zone-a"]),
      r("10.1.2.4:80", ["zone-b"]),
      r("10.1.2.5:80"),
      r("10.1.2.6:80", ["zone-a"]),
    ),
    svc: svcInfo(),
    cluster: a4,
    local: [],
    all: a4,
    hasAny: true,
  },
  {
    name: "multiple hints per endpoint, filtering includes any endpoint with zone included",
    ...zoned(
      "zone-c",
      r("10.1.2.3:80", ["zone-a", "zone-b", "zone-c"]),
      r("10.1.2.4:80", ["zone-b", "zone-c"]),
      r("10.1.2.5:80", ["zone-b", "zone-d"]),
      r("10.1.2.6:80", ["zone-c"]),
    ),
    svc: svcInfo(),
    cluster: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.6:80"],
    local: [],
    all: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.6:80"],
    hasAny: true,
  },
  {
    name: "conflicting topology and localness require merging allEndpoints",
    ...zoned(
      "zone-a",
      r("10.0.0.0:80", ["zone-a"], { isLocal: true }),
      r("10.0.0.1:80", ["zone-b"], { isLocal: true }),
      r("10.0.0.2:80", ["zone-a"]),
      r("10.0.0.3:80", ["zone-b"]),
    ),
    svc: svcInfo({ externalPolicyLocal: true, nodePort: 8080 }),
    cluster: ["10.0.0.0:80", "10.0.0.2:80"],
    local: ["10.0.0.0:80", "10.0.0.1:80"],
    all: ["10.0.0.0:80", "10.0.0.2:80", "10.0.0.1:80"],
    hasAny: true,
  },
  {
    name: "internalTrafficPolicy: Local, with empty endpoints",
    svc: svcInfo({ internalPolicyLocal: true }),
    eps: [],
    cluster: [],
    local: [],
    all: [],
    hasAny: false,
  },
  {
    name: "internalTrafficPolicy: Local, but all endpoints are remote",
    svc: svcInfo({ internalPolicyLocal: true }),
    eps: [r("10.0.0.0:80"), r("10.0.0.1:80")],
    cluster: [],
    local: [],
    all: [],
    hasAny: true,
  },
  {
    name: "Cluster traffic policy, endpoints not Ready",
    svc: svcInfo(),
    eps: [{ endpoint: "10.0.0.0:80" }, { endpoint: "10.0.0.1:80" }],
    cluster: [],
    local: [],
    all: [],
    hasAny: false,
  },
  {
    name: "Cluster traffic policy, PTE enabled, all endpoints are terminating",
    svc: svcInfo(),
    eps: [
      { endpoint: "10.0.0.0:80", serving: true, terminating: true, isLocal: true },
      { endpoint: "10.0.0.1:80", serving: true, terminating: true },
    ],
    cluster: ["10.0.0.0:80", "10.0.0.1:80"],
    local: [],
    all: ["10.0.0.0:80", "10.0.0.1:80"],
    hasAny: true,
  },
  {
    name: "iTP: Local, eTP: Local, PTE enabled, all endpoints remote and terminating",
    svc: svcInfo({ internalPolicyLocal: true, externalPolicyLocal: true, nodePort: 8080 }),
    eps: [
      { endpoint: "10.0.0.0:80", serving: true, terminating: true },
      { endpoint: "10.0.0.1:80", serving: true, terminating: true },
    ],
    cluster: ["10.0.0.0:80", "10.0.0.1:80"],
    local: [],
    all: ["10.0.0.0:80", "10.0.0.1:80"],
    hasAny: true,
  },
  {
    name: "iTP: Cluster, eTP: Local, PTE enabled, with terminating endpoints",
    svc: svcInfo({ externalPolicyLocal: true, nodePort: 8080 }),
    eps: [
      r("10.0.0.0:80"),
      { endpoint: "10.0.0.1:80", isLocal: true },
      { endpoint: "10.0.0.2:80", serving: true, terminating: true, isLocal: true },
      { endpoint: "10.0.0.3:80", serving: true, terminating: true },
    ],
    cluster: ["10.0.0.0:80"],
    local: ["10.0.0.2:80"],
    all: ["10.0.0.0:80", "10.0.0.2:80"],
    hasAny: true,
  },
  {
    name: "externalTrafficPolicy ignored if not externally accessible",
    svc: svcInfo({ externalPolicyLocal: true }),
    eps: [r("10.0.0.0:80"), r("10.0.0.1:80", undefined, { isLocal: true })],
    cluster: ["10.0.0.0:80", "10.0.0.1:80"],
    local: [],
    all: ["10.0.0.0:80", "10.0.0.1:80"],
    hasAny: true,
  },
  {
    name: "no cluster endpoints for iTP:Local internal-only service",
    svc: svcInfo({ internalPolicyLocal: true }),
    eps: [r("10.0.0.0:80"), r("10.0.0.1:80", undefined, { isLocal: true })],
    cluster: [],
    local: ["10.0.0.1:80"],
    all: ["10.0.0.1:80"],
    hasAny: true,
  },
];

const names = (eps: readonly EndpointInfo[]) => eps.map((e) => e.endpoint);

describe("categorizeEndpoints (kubernetes pkg/proxy/topology_test.go TestCategorizeEndpoints)", () => {
  for (const tc of cases) {
    it(tc.name, () => {
      const got = categorizeEndpoints(tc.eps.map(epInfo), tc.svc, "test-node", tc.labels ?? {});
      expect(names(got.clusterEndpoints)).toEqual(tc.cluster);
      expect(names(got.localEndpoints)).toEqual(tc.local);
      // kube-proxy merges the two lists through a Go map, so only the set is specified (checkExpectedEndpoints).
      expect(names(got.allReachableEndpoints).sort()).toEqual([...tc.all].sort());
      expect(got.hasAnyEndpoints).toBe(tc.hasAny);
    });
  }
});

describe("categorizeEndpoints node hints (topology.go topologyModeFromHints, PreferSameTrafficDistribution)", () => {
  const hinted = [
    r("10.0.0.1:80", ["zone-a"], { nodeHints: ["test-node"] }),
    r("10.0.0.2:80", ["zone-a"], { nodeHints: ["other-node"] }),
    r("10.0.0.3:80", ["zone-b"], { nodeHints: ["node-b"] }),
  ];
  const labels = { [ZONE]: "zone-a" };

  it("PreferSameNode when every ready endpoint has a node hint and one names this node", () => {
    expect(names(categorizeEndpoints(hinted.map(epInfo), svcInfo(), "test-node", labels).clusterEndpoints)).toEqual([
      "10.0.0.1:80",
    ]);
  });

  it("falls back to zone hints when no endpoint is hinted for this node", () => {
    const got = categorizeEndpoints(hinted.map(epInfo), svcInfo(), "node-x", labels);
    expect(names(got.clusterEndpoints)).toEqual(["10.0.0.1:80", "10.0.0.2:80"]);
  });

  it("ignores node hints when the feature gate is off", () => {
    const got = categorizeEndpoints(hinted.map(epInfo), svcInfo(), "test-node", labels, {
      preferSameTrafficDistribution: false,
    });
    expect(names(got.clusterEndpoints)).toEqual(["10.0.0.1:80", "10.0.0.2:80"]);
  });
});

describe("categorizeEndpoints invariants", () => {
  const arbEp = fc.record({
    octet: fc.integer({ min: 1, max: 30 }),
    ready: fc.boolean(),
    serving: fc.boolean(),
    terminating: fc.boolean(),
    isLocal: fc.boolean(),
    zone: fc.option(fc.constantFrom("zone-a", "zone-b"), { nil: undefined }),
  });
  const arbSvc = fc.record({
    internalPolicyLocal: fc.boolean(),
    externalPolicyLocal: fc.boolean(),
    nodePort: fc.constantFrom(0, 30080),
  });

  it("all reachable = cluster ∪ local; local endpoints are local; nothing unusable is used", () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbEp, { selector: (e) => e.octet }), arbSvc, (eps, f) => {
        const infos = eps.map((e) =>
          epInfo({ endpoint: `10.0.0.${e.octet}:80`, ...e, ...(e.zone ? { zoneHints: [e.zone] } : {}) }),
        );
        const got = categorizeEndpoints(infos, svcInfo(f), "test-node", { [ZONE]: "zone-a" });
        const union = new Set([...names(got.clusterEndpoints), ...names(got.localEndpoints)]);
        expect(new Set(names(got.allReachableEndpoints))).toEqual(union);
        expect(got.allReachableEndpoints.length).toBe(union.size);
        for (const ep of got.localEndpoints) expect(ep.isLocal).toBe(true);
        for (const ep of got.allReachableEndpoints) expect(ep.ready || (ep.serving && ep.terminating)).toBe(true);
        const usable = infos.some((e) => e.ready || (e.serving && e.terminating));
        expect(got.hasAnyEndpoints).toBe(usable);
      }),
    );
  });
});
