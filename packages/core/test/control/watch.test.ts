import { describe, expect, it } from "vitest";
import type { EndpointSlice } from "../../src/api/index.ts";
import { ApiStore, type NodeView, NodeWatch } from "../../src/control/index.ts";
import { ms, type Nanos, Scheduler, s } from "../../src/engine/index.ts";
import type { ProxyView } from "../../src/proxy/index.ts";
import { service } from "./fixtures.ts";

function slice(name: string, ips: string[], labels: Record<string, string> = {}): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name,
      namespace: "default",
      labels: { "kubernetes.io/service-name": "web", ...labels },
      annotations: {},
    },
    addressType: "IPv4",
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: "", protocol: "TCP", port: 8080 }],
  };
}

function setup(before: (store: ApiStore) => void = () => {}) {
  const scheduler = new Scheduler();
  const store = new ApiStore({ clock: scheduler });
  before(store);
  const syncs: { t: number; full: boolean; slices: string[] }[] = [];
  const watch = new NodeWatch({
    node: "n1",
    store,
    scheduler,
    watchDelay: ms(100),
    onSync: (view, full, now) => {
      const asProxyView: ProxyView = view; // structurally the proxy layer's view
      syncs.push({ t: now / 1e6, full, slices: [...asProxyView.endpointSlices.keys()] });
    },
  });
  return { scheduler, store, watch, syncs };
}

const at = (scheduler: Scheduler, t: Nanos, fn: () => void) => scheduler.at(t, fn);

describe("NodeWatch", () => {
  it("starts with a full sync of the initial LIST, one watchDelay after start", () => {
    const { scheduler, store, syncs } = setup((st) => st.create(slice("web-a", ["10.0.0.1"])));
    scheduler.runUntil(s(1));
    expect(syncs).toEqual([{ t: 100, full: true, slices: ["default/web-a"] }]);
    // A change right after the initial sync runs at once: that sync bypassed the runner
    // (OnEndpointSlicesSynced calls syncProxyRules directly), so no minSyncPeriod applies yet.
    at(scheduler, s(1), () => store.delete("EndpointSlice", "default/web-a"));
    scheduler.runUntil(s(2));
    expect(syncs.at(-1)).toEqual({ t: 1100, full: false, slices: [] });
  });

  it("sees changes after watchDelay; intent and the node's view differ meanwhile", () => {
    const { scheduler, store, watch, syncs } = setup();
    scheduler.runUntil(s(5));
    at(scheduler, s(5), () => store.create(slice("web-a", ["10.0.0.1"])));
    scheduler.runUntil(ms(5050));
    expect(store.get("EndpointSlice", "default/web-a")).toBeDefined();
    expect(watch.seen().endpointSlices.size).toBe(0);
    scheduler.runUntil(s(6));
    expect(watch.seen().endpointSlices.size).toBe(1);
    // The runner was idle for more than minSyncPeriod: the sync runs as the change arrives.
    expect(syncs.at(-1)).toEqual({ t: 5100, full: false, slices: ["default/web-a"] });
  });

  it("bunches changes within minSyncPeriod into one sync", () => {
    // why: BoundedFrequencyRunner — after a run, requests wait for minInterval (minSyncPeriod,
    // 1 s by default) and are coalesced into one run (pkg/proxy/runner, Run() on a 1-slot channel).
    const { scheduler, store, syncs } = setup();
    scheduler.runUntil(s(5));
    at(scheduler, s(5), () => store.create(slice("web-a", ["10.0.0.1"])));
    at(scheduler, ms(5200), () => store.create(slice("web-b", ["10.0.0.2"])));
    at(scheduler, ms(5300), () => store.create(slice("web-c", ["10.0.0.3"])));
    at(scheduler, ms(5400), () => store.delete("EndpointSlice", "default/web-a"));
    scheduler.runUntil(s(10));
    expect(syncs.slice(1)).toEqual([
      { t: 5100, full: false, slices: ["default/web-a"] },
      { t: 6100, full: false, slices: ["default/web-b", "default/web-c"] },
    ]);
  });

  it("resyncs fully every fullSyncPeriod without changes", () => {
    // why: the proxier's runner has maxInterval FullSyncPeriod (1 h) and syncProxyRules sets
    // doFullSync once FullSyncPeriod has passed since the last full sync.
    const { scheduler, syncs } = setup();
    scheduler.runUntil(s(7300));
    expect(syncs.map((x) => [x.t / 1000, x.full])).toEqual([
      [0.1, true],
      [3600.1, true],
      [7200.1, true],
    ]);
  });

  it("freezes the view while stopped and relists with a full sync on restart", () => {
    const { scheduler, store, watch, syncs } = setup();
    scheduler.runUntil(s(2));
    at(scheduler, s(2), () => store.create(slice("web-a", ["10.0.0.1"])));
    scheduler.runUntil(s(3));
    const before: NodeView = watch.seen();
    at(scheduler, s(3), () => watch.stop());
    at(scheduler, ms(3050), () => store.create(slice("web-b", ["10.0.0.2"])));
    at(scheduler, s(4), () => store.update(slice("web-a", ["10.0.0.9"])));
    scheduler.runUntil(s(20));
    expect(watch.running).toBe(false);
    expect(watch.seen()).toBe(before);
    expect(syncs.map((x) => x.t)).toEqual([100, 2100]);
    at(scheduler, s(20), () => watch.start());
    scheduler.runUntil(s(21));
    expect(syncs.at(-1)).toEqual({ t: 20100, full: true, slices: ["default/web-a", "default/web-b"] });
    expect(watch.seen().endpointSlices.get("default/web-a")?.endpoints[0]?.addresses).toEqual(["10.0.0.9"]);
  });

  it("does not see objects kube-proxy's label selector filters out", () => {
    // why: cmd/kube-proxy/app/server.go — informers select !service.kubernetes.io/service-proxy-name,
    // !service.kubernetes.io/headless.
    const { scheduler, store, watch } = setup();
    store.create(service("web"));
    store.create(slice("web-a", ["10.0.0.1"], { "service.kubernetes.io/headless": "" }));
    store.create(slice("web-b", ["10.0.0.2"], { "service.kubernetes.io/service-proxy-name": "other" }));
    scheduler.runUntil(s(1));
    expect([...watch.seen().services.keys()]).toEqual(["default/web"]);
    expect(watch.seen().endpointSlices.size).toBe(0);
  });

  it("iterates the view in key order", () => {
    const { scheduler, store, watch } = setup();
    for (const name of ["web-c", "web-a", "web-b"]) store.create(slice(name, ["10.0.0.1"]));
    scheduler.runUntil(s(1));
    expect([...watch.seen().endpointSlices.keys()]).toEqual(["default/web-a", "default/web-b", "default/web-c"]);
    expect(watch.lastSync()?.view).toBe(watch.seen());
  });
});

describe("NodeWatch lifecycle listeners", () => {
  it("hear each kill and restart of the process once, and nothing for a stop of a stopped watch", () => {
    const { scheduler, watch } = setup();
    const heard: string[] = [];
    watch.onLifecycle({ stopped: () => heard.push("stopped"), started: () => heard.push("started") });
    at(scheduler, s(1), () => watch.stop());
    at(scheduler, s(2), () => watch.stop());
    at(scheduler, s(3), () => watch.start());
    at(scheduler, s(4), () => watch.start());
    scheduler.runUntil(s(5));
    expect(heard).toEqual(["stopped", "started"]);
  });
});
