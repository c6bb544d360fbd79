import { describe, expect, it } from "vitest";
import type { EndpointSlice } from "../../src/api/index.ts";
import { ApiStore, NodeWatch } from "../../src/control/index.ts";
import { ms, type Nanos, Scheduler, s } from "../../src/engine/index.ts";

// A sync and a watch delivery due at the same nanosecond. In kube-proxy they race
// (the informer goroutine vs the runner's timer), but the informer handler only
// records the change in the change tracker and calls Sync() (a non-blocking send on
// the runner's 1-slot channel); syncProxyRules reads the trackers when it runs. The
// faithful deterministic order is therefore: every delivery due at t is applied
// before a sync that runs at t, whatever order the two events were scheduled in.
// (pkg/proxy/iptables/proxier.go OnEndpointSliceUpdate → endpointsChanges.EndpointSliceUpdate
// then Sync(); pkg/proxy/runner/bounded_frequency_runner.go Loop/Run.)

function slice(name: string, ip: string): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: "default", labels: { "kubernetes.io/service-name": "web" }, annotations: {} },
    addressType: "IPv4",
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: "", protocol: "TCP", port: 8080 }],
  };
}

function setup() {
  const scheduler = new Scheduler();
  const store = new ApiStore({ clock: scheduler });
  const syncs: { t: number; full: boolean; slices: string[] }[] = [];
  const watch = new NodeWatch({
    node: "n1",
    store,
    scheduler,
    watchDelay: ms(100),
    minSyncPeriod: s(1),
    onSync: (view, full, now) => syncs.push({ t: now / 1e6, full, slices: [...view.endpointSlices.keys()] }),
  });
  const at = (t: Nanos, fn: () => void) => scheduler.at(t, fn);
  return { scheduler, store, watch, syncs, at };
}

describe("NodeWatch: a sync and a delivery at the same instant", () => {
  it("applies a delivery due at t before a sync held back by minSyncPeriod until t", () => {
    const { scheduler, store, syncs, at } = setup();
    // Timeline (watchDelay 100 ms, minSyncPeriod 1 s):
    //   0.1 s  initial full sync (LIST, bypasses the runner)
    //   1.0 s  create web-a → delivered 1.1 s; the runner is free → sync at 1.1 s
    //   1.5 s  create web-b → delivered 1.6 s; held back until 1.1 + 1 = 2.1 s.
    //          That sync event is scheduled at 1.6 s.
    //   2.0 s  create web-c → delivered 2.1 s; that delivery event is scheduled at 2.0 s,
    //          i.e. after the sync event, so (time, seq) order alone would fire the sync first.
    // Faithful: the sync at 2.1 s sees web-b and web-c, and web-c's request is coalesced into
    // it, so there is no sync at 3.1 s. (Wrong order: 2.1 s sees only web-b, and web-c
    // waits one more minSyncPeriod, to 3.1 s.)
    at(s(1), () => store.create(slice("web-a", "10.0.0.1")));
    at(ms(1500), () => store.create(slice("web-b", "10.0.0.2")));
    at(s(2), () => store.create(slice("web-c", "10.0.0.3")));
    scheduler.runUntil(s(10));
    expect(syncs).toEqual([
      { t: 100, full: true, slices: [] },
      { t: 1100, full: false, slices: ["default/web-a"] },
      { t: 2100, full: false, slices: ["default/web-a", "default/web-b", "default/web-c"] },
    ]);
  });

  it("applies a delivery due at t before the periodic full sync due at t", () => {
    const { scheduler, store, syncs, at } = setup();
    // The runner's maxInterval (fullSyncPeriod, 1 h) is armed by the initial sync at 0.1 s,
    // so the periodic full sync is due at 3600.1 s (scheduled at 0.1 s). A change at 3600 s
    // is delivered at 3600.1 s (scheduled at 3600 s, after it). The full sync must include
    // it, and the delivery's request is coalesced into that sync: none at 3601.1 s.
    at(s(3600), () => store.create(slice("web-a", "10.0.0.1")));
    scheduler.runUntil(s(3610));
    expect(syncs).toEqual([
      { t: 100, full: true, slices: [] },
      { t: 3600100, full: true, slices: ["default/web-a"] },
    ]);
  });

  it("still applies a delivery due after the sync instant later, with its own sync", () => {
    const { scheduler, store, syncs, at } = setup();
    // Control case, one nanosecond later: web-c is delivered at 2.1 s + 1 ns, after the
    // held-back sync at 2.1 s, so it waits for minSyncPeriod: sync at 3.1 s.
    at(s(1), () => store.create(slice("web-a", "10.0.0.1")));
    at(ms(1500), () => store.create(slice("web-b", "10.0.0.2")));
    at((s(2) + 1) as Nanos, () => store.create(slice("web-c", "10.0.0.3")));
    scheduler.runUntil(s(10));
    expect(syncs.map((x) => [x.t, x.slices.length])).toEqual([
      [100, 0],
      [1100, 1],
      [2100, 2],
      [3100, 3],
    ]);
  });

  it("drops deliveries queued before a stop, and later ones still arrive after a restart", () => {
    const { scheduler, store, watch, syncs, at } = setup();
    // web-a is created at 1 s (delivery due 1.1 s); kube-proxy is stopped and restarted at
    // 1.05 s: the old delivery is dropped, the restart LISTs (web-a included) and runs its
    // full sync one watchDelay later, at 1.15 s. web-b, created at 3 s, is delivered at
    // 3.1 s; the restarted runner has not run yet (the LIST sync bypasses it), so it
    // syncs at once.
    at(s(1), () => store.create(slice("web-a", "10.0.0.1")));
    at(ms(1050), () => {
      watch.stop();
      watch.start();
    });
    at(s(3), () => store.create(slice("web-b", "10.0.0.2")));
    scheduler.runUntil(s(5));
    expect(syncs).toEqual([
      { t: 100, full: true, slices: [] },
      { t: 1150, full: true, slices: ["default/web-a"] },
      { t: 3100, full: false, slices: ["default/web-a", "default/web-b"] },
    ]);
  });
});
