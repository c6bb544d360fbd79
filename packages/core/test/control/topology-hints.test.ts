import { describe, expect, it } from "vitest";
import type { EndpointSlice, Node, Pod, Service } from "../../src/api/index.ts";
import {
  ApiStore,
  cpuMillis,
  EndpointSliceController,
  hintsEnabled,
  zoneAllocations,
  zoneCpuRatios,
} from "../../src/control/index.ts";
import { Rng, Scheduler, s } from "../../src/engine/index.ts";
import { pod as podInput, prepareScenario, runScenario, service as serviceInput } from "../../src/scenario/index.ts";
import type { TraceEvent } from "../../src/trace/index.ts";
import { TraceRecorder } from "../../src/trace/index.ts";
import { node, pod, service } from "./fixtures.ts";

/** A zoned Node with `cpu` allocatable (absent: svcsim's 1-CPU default). */
function zoned(name: string, zone: string | undefined, cpu?: string): Node {
  const n = node(name, zone === undefined ? {} : { zone });
  return cpu === undefined ? n : { ...n, status: { ...n.status, allocatable: { cpu } } };
}

function auto(svc: Service, annotations: Record<string, string> = { "service.kubernetes.io/topology-mode": "Auto" }) {
  return { ...svc, metadata: { ...svc.metadata, annotations } };
}

function setup(nodes: Node[]) {
  const scheduler = new Scheduler();
  const tracer = new TraceRecorder("flow");
  const store = new ApiStore({ clock: scheduler, trace: tracer });
  new EndpointSliceController({ store, scheduler, rng: new Rng(1) });
  for (const n of nodes) store.create(n);
  const settle = () => scheduler.runUntil((scheduler.now + s(1)) as never);
  const notes = () =>
    tracer.events
      .filter((e): e is Extract<TraceEvent, { type: "api" }> => e.type === "api" && e.kind === "EndpointSlice")
      .map((e) => e.note ?? "");
  return { store, settle, notes };
}

/** Ready Pods `web-<zone letter><i>` on the given nodes, with IPs 10.244.<k>.<i+1>. */
function pods(spec: Record<string, number>): Pod[] {
  const out: Pod[] = [];
  Object.entries(spec).forEach(([nodeName, count], k) => {
    const letter = nodeName.slice(-1);
    for (let i = 1; i <= count; i++)
      out.push(pod(`web-${letter}${i}`, { nodeName, podIP: `10.244.${k + 1}.${i + 1}`, ready: true }));
  });
  return out;
}

const slices = (store: ApiStore): readonly EndpointSlice[] => store.list("EndpointSlice");

/** Pod name → the zones its endpoint is hinted for ("" when none). */
function hintsByPod(store: ApiStore): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sl of slices(store))
    for (const ep of sl.endpoints)
      out[ep.targetRef?.name ?? "?"] = (ep.hints?.forZones ?? []).map((z) => z.name).join(",");
  return out;
}

const threeZones = (cpu: [string, string, string] = ["2", "2", "2"]) => [
  zoned("node-a", "zone-a", cpu[0]),
  zoned("node-b", "zone-b", cpu[1]),
  zoned("node-c", "zone-c", cpu[2]),
];

describe("topology-mode: Auto (the EndpointSlice controller's topology cache)", () => {
  it("moves endpoints from over-served zones to a zone with CPU and no endpoints", () => {
    // Equal CPU (2 each): ratios 1/3. 6 ready endpoints: 3 in zone-a, 3 in zone-b, 0 in zone-c.
    // getAllocations: desired = 6/3 = 2 per zone; minimum = ceil(2 / 1.2) = ceil(1.67) = 2;
    // minTotal 6 ≤ 6; maximum = 2 + 6 − 6 = 2.
    // Step 1 (own zone): a 3, b 3, c 0 → giving a 1.0, b 1.0; receiving c 2.0.
    // getGivingAndReceivingZones: a→c (a 0, c 1.0), then b→c (b 0, c 0) → giving {a:1, b:1}, receiving {c:2}.
    // redistributeHints walks endpoints in slice order (Pod key order): web-a1 is zone-a's first,
    // re-hinted for zone-c; web-b1 likewise. Result: a {a2,a3}, b {b2,b3}, c {a1,b1}: 2 each.
    const { store, settle, notes } = setup(threeZones());
    for (const p of pods({ "node-a": 3, "node-b": 3 })) store.create(p);
    store.create(auto(service("web")));
    settle();
    expect(hintsByPod(store)).toEqual({
      "web-a1": "zone-c",
      "web-a2": "zone-a",
      "web-a3": "zone-a",
      "web-b1": "zone-c",
      "web-b2": "zone-b",
      "web-b3": "zone-b",
    });
    expect(notes().at(-1)).toContain("hints zone-a×2 zone-b×2 zone-c×2");
    expect(notes().at(-1)).toContain("TopologyAwareHintsEnabled: Topology Aware Hints has been enabled");
    // A later reconcile finds the hints valid (getHintsByZone) and writes nothing.
    const [slice] = slices(store);
    const before = store.versionOf("EndpointSlice", `default/${slice?.metadata.name}`);
    const relabelled = zoned("node-c", "zone-c", "2");
    relabelled.metadata.labels.team = "x";
    store.update(relabelled);
    settle();
    expect(store.versionOf("EndpointSlice", `default/${slice?.metadata.name}`)).toBe(before);
  });

  it("weights zones by allocatable CPU", () => {
    // CPU a 2, b 1, c 1 → ratios 0.5, 0.25, 0.25. 8 endpoints: 4 in a, 4 in b.
    // desired a 4, b 2, c 2; minimum a ceil(3.33) = 4, b ceil(1.67) = 2, c 2; maximum = minimum.
    // Own zone: a 4 (= desired), b 4 (gives 2), c 0 (receives 2): web-b1 and web-b2 go to zone-c.
    const { store, settle } = setup(threeZones(["2", "1000m", "1"]));
    for (const p of pods({ "node-a": 4, "node-b": 4 })) store.create(p);
    store.create(auto(service("web")));
    settle();
    const h = hintsByPod(store);
    expect(Object.keys(h).filter((p) => h[p] === "zone-c")).toEqual(["web-b1", "web-b2"]);
    expect(Object.values(h).filter((z) => z === "zone-a")).toHaveLength(4);
    expect(Object.values(h).filter((z) => z === "zone-b")).toHaveLength(2);
  });

  it("moves only whole endpoints, and none for a shortfall under 0.5", () => {
    // Equal CPU, 7 endpoints: 5 in a, 2 in b. desired 7/3 = 2.33 each; minimum ceil(1.94) = 2;
    // maximum = 2 + 7 − 6 = 3. Own zone: a 5 (gives 2.67), b 2 (needs 0.33), c 0 (needs 2.33).
    // Pairs: a→c (a 1.67, c 1.33), a→c (a 0.67, c 0.33); then the neediest receiver is
    // under 0.5, so the loop stops: zone-b stays 0.33 short. web-a1, web-a2 → zone-c.
    const { store, settle } = setup(threeZones());
    for (const p of pods({ "node-a": 5, "node-b": 2 })) store.create(p);
    store.create(auto(service("web")));
    settle();
    const h = hintsByPod(store);
    expect(Object.keys(h).filter((p) => h[p] === "zone-c")).toEqual(["web-a1", "web-a2"]);
    expect(Object.values(h).filter((z) => z === "zone-a")).toHaveLength(3);
    expect(Object.values(h).filter((z) => z === "zone-b")).toHaveLength(2);
  });

  it("sets no hints when a node has no zone, and removes hints already set", () => {
    const { store, settle, notes } = setup(threeZones());
    for (const p of pods({ "node-a": 3, "node-b": 3 })) store.create(p);
    store.create(auto(service("web")));
    settle();
    expect(Object.values(hintsByPod(store)).every((z) => z !== "")).toBe(true);
    // why: topologycache.go SetNodes — one node without a zone label makes the cluster's
    // CPU ratios nil, even a node that runs none of the Service's Pods.
    store.create(zoned("node-d", undefined));
    settle();
    expect(Object.values(hintsByPod(store))).toEqual(["", "", "", "", "", ""]);
    expect(notes().at(-1)).toContain(
      "TopologyAwareHintsDisabled: Insufficient Node information: allocatable CPU or zone not specified on one or more nodes",
    );
  });

  it("sets no hints with fewer endpoints than zones, or when minimums exceed the endpoints", () => {
    const few = setup(threeZones());
    for (const p of pods({ "node-a": 1, "node-b": 1 })) few.store.create(p);
    few.store.create(auto(service("web")));
    few.settle();
    expect(Object.values(hintsByPod(few.store))).toEqual(["", ""]);
    expect(few.notes().at(-1)).toContain("Insufficient number of endpoints (2 endpoints, 3 zones)");
    // CPU 3:1:1 with 3 endpoints: desired a 1.8 → minimum ceil(1.5) = 2, b and c 0.6 → 1 each:
    // 4 > 3 endpoints.
    const r = zoneCpuRatios(threeZones(["3", "1", "1"]));
    expect(zoneAllocations(r, 3)).toMatchObject({ event: { cause: "MinAllocationExceedsOverloadThreshold" } });
    expect(zoneAllocations(r, 5)).toHaveProperty("allocations");
  });

  it("reads the annotations as the controller does", () => {
    expect(hintsEnabled({ "service.kubernetes.io/topology-mode": "Auto" })).toBe(true);
    expect(hintsEnabled({ "service.kubernetes.io/topology-aware-hints": "auto" })).toBe(true);
    // why: utils.go hintsEnabled — the deprecated annotation wins when both are set.
    expect(
      hintsEnabled({
        "service.kubernetes.io/topology-aware-hints": "Disabled",
        "service.kubernetes.io/topology-mode": "Auto",
      }),
    ).toBe(false);
    expect(hintsEnabled({ "service.kubernetes.io/topology-mode": "PreferClose" })).toBe(false);
    expect([cpuMillis("4"), cpuMillis("3500m"), cpuMillis("0.5"), cpuMillis("2Gi")]).toEqual([
      4000,
      3500,
      500,
      undefined,
    ]);
    // A control-plane node is left out of the CPU ratios.
    const cp = zoned("cp", "zone-z", "8");
    cp.metadata.labels["node-role.kubernetes.io/control-plane"] = "";
    expect([...(zoneCpuRatios([...threeZones(), cp])?.keys() ?? [])]).toEqual(["zone-a", "zone-b", "zone-c"]);
  });

  it("removes the hints when the annotation is removed", () => {
    const { store, settle, notes } = setup(threeZones());
    for (const p of pods({ "node-a": 3, "node-b": 3 })) store.create(p);
    store.create(auto(service("web")));
    settle();
    store.update(auto(service("web"), {}));
    settle();
    expect(Object.values(hintsByPod(store))).toEqual(["", "", "", "", "", ""]);
    expect(notes().at(-1)).toContain("TopologyAwareHintsDisabled: Topology Aware Hints has been disabled");
  });
});

describe("spec.trafficDistribution", () => {
  const withDistribution = (value: string) => {
    const svc = service("web");
    return { ...svc, spec: { ...svc.spec, trafficDistribution: value } };
  };

  it("PreferClose hints every ready endpoint for its own zone, whatever the CPU", () => {
    const { store, settle } = setup(threeZones());
    for (const p of pods({ "node-a": 3, "node-b": 1 })) store.create(p);
    store.create(pod("web-b9", { nodeName: "node-b", podIP: "10.244.2.9", ready: false }));
    store.create(withDistribution("PreferClose"));
    settle();
    expect(hintsByPod(store)).toEqual({
      "web-a1": "zone-a",
      "web-a2": "zone-a",
      "web-a3": "zone-a",
      "web-b1": "zone-b",
      // why: trafficdist.go preferCloseHeuristic.update skips endpoints that are not ready.
      "web-b9": "",
    });
    expect(slices(store)[0]?.endpoints.every((ep) => ep.hints?.forNodes === undefined)).toBe(true);
  });

  it("PreferSameNode adds a node hint; the topology annotation wins over trafficDistribution", () => {
    const same = setup(threeZones());
    for (const p of pods({ "node-a": 1, "node-b": 1 })) same.store.create(p);
    same.store.create(withDistribution("PreferSameNode"));
    same.settle();
    expect(slices(same.store)[0]?.endpoints.map((ep) => ep.hints)).toEqual([
      { forZones: [{ name: "zone-a" }], forNodes: [{ name: "node-a" }] },
      { forZones: [{ name: "zone-b" }], forNodes: [{ name: "node-b" }] },
    ]);
    // Auto with 2 endpoints in 3 zones fails, and trafficDistribution is then not used either.
    const both = setup(threeZones());
    for (const p of pods({ "node-a": 1, "node-b": 1 })) both.store.create(p);
    both.store.create(auto(withDistribution("PreferClose")));
    both.settle();
    expect(Object.values(hintsByPod(both.store))).toEqual(["", ""]);
  });
});

describe("end to end: kube-proxy on a node uses the endpoints hinted for its zone", () => {
  // The cluster of the first test: node-a, node-b, node-c (1 CPU each by default, so ratios
  // 1/3 again), web-a1..a3 on node-a, web-b1..b3 on node-b. Hints (derived above):
  // zone-a {a2, a3}, zone-b {b2, b3}, zone-c {a1, b1}.
  function scenario(annotated: boolean) {
    const web = (name: string, node: string) =>
      podInput(name, { node, labels: { app: "web" }, container: "http", port: 8080, portName: "http" });
    const svc = serviceInput("web", { ports: [{ name: "http", port: 80, targetPort: "http" }] });
    const client = (from: string) => ({
      name: from,
      from,
      to: { service: "web", port: 80 },
      requests: 24,
      interval: "100ms",
      start: "4s",
    });
    return prepareScenario(
      {
        name: "topology-hints",
        seed: 7,
        duration: "10s",
        cluster: {
          nodes: [
            { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24", zone: "zone-a" },
            { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24", zone: "zone-b" },
            { name: "node-c", ip: "192.168.0.12", podCIDR: "10.244.3.0/24", zone: "zone-c" },
          ],
          proxy: { mode: "iptables" },
          clusterCIDR: "10.244.0.0/16",
        },
        objects: [
          podInput("client-a", { node: "node-a", labels: { app: "client" }, container: "curl" }),
          podInput("client-c", { node: "node-c", labels: { app: "client" }, container: "curl" }),
          ...["web-a1", "web-a2", "web-a3"].map((n) => web(n, "node-a")),
          ...["web-b1", "web-b2", "web-b3"].map((n) => web(n, "node-b")),
          annotated
            ? { ...svc, metadata: { ...svc.metadata, annotations: { "service.kubernetes.io/topology-mode": "Auto" } } }
            : svc,
        ],
        workload: {
          servers: [{ selector: { app: "web" }, port: 8080, serviceTime: "1ms" }],
          clients: [client("client-a"), client("client-c")],
        },
      },
      "topology-hints.test",
    );
  }

  const servedBy = (records: readonly { client: string; pod?: string }[], client: string) =>
    [...new Set(records.filter((r) => r.client === client).map((r) => r.pod))].sort();

  it("sends zone-a's client only to the zone-a-hinted Pods and zone-c's to the two given to zone-c", () => {
    const result = runScenario(scenario(true));
    expect(result.metrics.requests.ok).toBe(48);
    // 24 connections each over 2 endpoints: both are used (1 − 2⁻²³ at any seed).
    expect(servedBy(result.workload.records, "client-a")).toEqual(["default/web-a2", "default/web-a3"]);
    expect(servedBy(result.workload.records, "client-c")).toEqual(["default/web-a1", "default/web-b1"]);
  });

  it("spreads over all six Pods without the annotation", () => {
    const result = runScenario(scenario(false));
    // Without hints client-a picks among 6: reaching only 2 given ones has odds (1/3)^24.
    expect(servedBy(result.workload.records, "client-a").length).toBeGreaterThan(2);
  });
});
