import { describe, expect, it } from "vitest";
import type { EndpointSlice } from "../../src/api/index.ts";
import { ApiStore, EndpointSliceController, podToEndpoint } from "../../src/control/index.ts";
import { Rng, Scheduler, s } from "../../src/engine/index.ts";
import { container, node, pod, service } from "./fixtures.ts";

function setup() {
  const scheduler = new Scheduler();
  const store = new ApiStore({ clock: scheduler });
  const controller = new EndpointSliceController({ store, scheduler, rng: new Rng(1) });
  store.create(node("n1", { zone: "zone-a" }));
  store.create(node("n2", { zone: "zone-b" }));
  const settle = () => scheduler.runUntil((scheduler.now + s(1)) as never);
  return { scheduler, store, controller, settle };
}

const slicesOf = (store: ApiStore, svc = "web"): EndpointSlice[] =>
  store.list("EndpointSlice").filter((sl) => sl.metadata.labels["kubernetes.io/service-name"] === svc);

describe("EndpointSlice controller", () => {
  it("resolves a named targetPort per Pod and groups Pods by port mapping", () => {
    // why: endpointslice utils.go FindPort resolves the name in each Pod's containers, and
    // reconciler.go groups desired endpoints by NewPortMapKey(getEndpointPorts(...)):
    // two Pods exposing "http" on different numbers need two slices.
    const { store, settle } = setup();
    store.create(pod("a", { nodeName: "n1", podIP: "10.244.1.2", ready: true }));
    store.create(
      pod("b", {
        nodeName: "n2",
        podIP: "10.244.2.2",
        ready: true,
        containers: [container("app", [{ name: "http", port: 9090 }])],
      }),
    );
    store.create(service("web"));
    settle();
    const slices = slicesOf(store);
    expect(slices).toHaveLength(2);
    const byPort = new Map(slices.map((sl) => [sl.ports[0]?.port, sl]));
    expect(byPort.get(8080)?.endpoints.map((e) => e.addresses[0])).toEqual(["10.244.1.2"]);
    expect(byPort.get(9090)?.endpoints.map((e) => e.addresses[0])).toEqual(["10.244.2.2"]);
    // getEndpointPorts always sets the name (here "" for an unnamed Service port) and the protocol.
    expect(byPort.get(8080)?.ports).toEqual([{ name: "", protocol: "TCP", port: 8080 }]);
    for (const sl of slices) {
      expect(sl.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(sl.metadata.labels).toEqual({
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
      });
      expect(sl.addressType).toBe("IPv4");
    }
  });

  it("splits more than 100 endpoints into slices of at most 100", () => {
    // why: maxEndpointsPerSlice defaults to 100; reconcileByPortMapping step 3 fills each
    // new slice up to the maximum before starting another.
    const { store, settle } = setup();
    store.create(service("web"));
    for (let i = 0; i < 250; i++) {
      store.create(
        pod(`p${String(i).padStart(3, "0")}`, {
          nodeName: "n1",
          podIP: `10.244.${1 + (i >> 8)}.${i & 255}`,
          ready: true,
        }),
      );
    }
    settle();
    const sizes = slicesOf(store)
      .map((sl) => sl.endpoints.length)
      .sort((a, b) => b - a);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it("updates only the slice that lost an endpoint, and refills it first", () => {
    // why: reconcileByPortMapping step 1 marks only slices whose endpoints changed for update;
    // step 2 fills slices already being updated before touching unchanged ones.
    const { store, settle } = setup();
    store.create(service("web"));
    for (let i = 0; i < 150; i++)
      store.create(pod(`p${String(i).padStart(3, "0")}`, { nodeName: "n1", podIP: `10.244.1.${i}`, ready: true }));
    settle();
    const before = new Map(
      slicesOf(store).map((sl) => [sl.metadata.name, store.versionOf("EndpointSlice", `default/${sl.metadata.name}`)]),
    );
    const full = slicesOf(store).find((sl) => sl.endpoints.length === 100) as EndpointSlice;
    const victim = full.endpoints[10]?.targetRef?.name as string;
    store.delete("Pod", `default/${victim}`);
    store.create(pod("zzz", { nodeName: "n1", podIP: "10.244.1.200", ready: true }));
    settle();
    const after = slicesOf(store);
    const changed = after.filter(
      (sl) => store.versionOf("EndpointSlice", `default/${sl.metadata.name}`) !== before.get(sl.metadata.name),
    );
    expect(changed.map((sl) => sl.metadata.name)).toEqual([full.metadata.name]);
    expect(changed[0]?.endpoints.map((e) => e.targetRef?.name)).toContain("zzz");
    expect(after.map((sl) => sl.endpoints.length).sort((a, b) => b - a)).toEqual([100, 50]);
  });

  it("sets ready/serving/terminating exactly as podToEndpoint does", () => {
    // why: endpointslice utils.go podToEndpoint — serving = IsPodReady(pod); terminating =
    // DeletionTimestamp != nil; ready = publishNotReadyAddresses || (serving && !terminating).
    const svc = service("web");
    const published = service("web", { publishNotReadyAddresses: true });
    const n = node("n1", { zone: "zone-a" });
    const cases = [
      { ready: true, terminating: false, want: { ready: true, serving: true, terminating: false } },
      { ready: false, terminating: false, want: { ready: false, serving: false, terminating: false } },
      { ready: true, terminating: true, want: { ready: false, serving: true, terminating: true } },
      { ready: false, terminating: true, want: { ready: false, serving: false, terminating: true } },
    ];
    for (const c of cases) {
      const p = pod("a", { nodeName: "n1", podIP: "10.244.1.2", ready: c.ready, terminating: c.terminating });
      expect(podToEndpoint(p, n, svc).conditions).toEqual(c.want);
      expect(podToEndpoint(p, n, published).conditions).toEqual({ ...c.want, ready: true });
    }
    const ep = podToEndpoint(pod("a", { nodeName: "n1", podIP: "10.244.1.2" }), n, svc);
    expect(ep).toMatchObject({
      nodeName: "n1",
      zone: "zone-a",
      targetRef: { kind: "Pod", namespace: "default", name: "a" },
    });
  });

  it("keeps terminating Pods, drops Pods without IP, terminal Pods and Pods on unknown Nodes", () => {
    // why: ShouldPodBeInEndpoints(pod, includeTerminating=true) drops terminal and IP-less Pods;
    // reconciler.go skips a Pod whose Node is not found unless publishNotReadyAddresses.
    const { store, settle } = setup();
    store.create(service("web"));
    store.create(pod("term", { nodeName: "n1", podIP: "10.244.1.2", ready: true, terminating: true }));
    store.create(pod("noip", { nodeName: "n1" }));
    store.create(pod("done", { nodeName: "n1", podIP: "10.244.1.3", phase: "Succeeded" }));
    store.create(pod("ghost", { nodeName: "n9", podIP: "10.244.9.2", ready: true }));
    store.create(pod("other", { nodeName: "n1", podIP: "10.244.1.4", ready: true, labels: { app: "db" } }));
    settle();
    const eps = slicesOf(store).flatMap((sl) => sl.endpoints);
    expect(eps.map((e) => e.targetRef?.name)).toEqual(["term"]);
    expect(eps[0]?.conditions).toEqual({ ready: false, serving: true, terminating: true });
    store.update(service("web", { publishNotReadyAddresses: true }));
    settle();
    expect(
      slicesOf(store)
        .flatMap((sl) => sl.endpoints.map((e) => e.targetRef?.name))
        .sort(),
    ).toEqual(["ghost", "term"]);
  });

  it("follows readiness changes and Pod deletion", () => {
    const { store, settle } = setup();
    store.create(service("web"));
    store.create(pod("a", { nodeName: "n1", podIP: "10.244.1.2", ready: false }));
    settle();
    expect(slicesOf(store)[0]?.endpoints[0]?.conditions.ready).toBe(false);
    store.patch("Pod", "default/a", (d) => {
      d.status.conditions = [{ type: "Ready", status: "True" }];
    });
    settle();
    expect(slicesOf(store)[0]?.endpoints[0]?.conditions.ready).toBe(true);
    const name = slicesOf(store)[0]?.metadata.name;
    store.delete("Pod", "default/a");
    settle();
    // why: reconciler.go keeps one placeholder slice (no endpoints, no ports) for a selector
    // Service with no endpoints; finalize reuses the name of the slice it would delete.
    expect(slicesOf(store)).toHaveLength(1);
    expect(slicesOf(store)[0]).toMatchObject({ metadata: { name }, endpoints: [], ports: [] });
  });

  it("creates a placeholder slice for a Service that selects nothing", () => {
    const { store, settle } = setup();
    store.create(service("web"));
    settle();
    expect(slicesOf(store)).toHaveLength(1);
    expect(slicesOf(store)[0]).toMatchObject({ endpoints: [], ports: [] });
  });

  it("leaves user-supplied slices of a selectorless Service untouched", () => {
    // why: endpointslice_controller.go syncService returns early for Spec.Selector == nil.
    const { store, settle } = setup();
    store.create(service("ext", { selector: null }));
    const user: EndpointSlice = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: "ext-1",
        namespace: "default",
        labels: { "kubernetes.io/service-name": "ext" },
        annotations: {},
      },
      addressType: "IPv4",
      endpoints: [{ addresses: ["192.0.2.10"], conditions: { ready: true } }],
      ports: [{ name: "", protocol: "TCP", port: 443 }],
    };
    store.create(user);
    store.create(pod("a", { nodeName: "n1", podIP: "10.244.1.2", ready: true }));
    settle();
    expect(store.list("EndpointSlice")).toEqual([user]);
    expect(store.resourceVersion).toBe(5);
  });

  it("labels headless slices and removes slices when the Service goes", () => {
    const { store, settle } = setup();
    store.create(service("web", { clusterIP: "None", labels: { team: "a" } }));
    store.create(pod("a", { nodeName: "n1", podIP: "10.244.1.2", ready: true }));
    settle();
    // why: setEndpointSliceLabels copies Service labels and adds service.kubernetes.io/headless
    // when the ClusterIP is None.
    expect(slicesOf(store)[0]?.metadata.labels).toMatchObject({ team: "a", "service.kubernetes.io/headless": "" });
    store.delete("Service", "default/web");
    settle();
    expect(store.list("EndpointSlice")).toEqual([]);
  });

  it("names slices deterministically from the seed", () => {
    const names = (seed: number) => {
      const scheduler = new Scheduler();
      const store = new ApiStore({ clock: scheduler });
      new EndpointSliceController({ store, scheduler, rng: new Rng(seed) });
      store.create(node("n1"));
      store.create(service("web"));
      scheduler.runUntil(s(1));
      return store.list("EndpointSlice").map((sl) => sl.metadata.name);
    };
    expect(names(7)).toEqual(names(7));
    expect(names(7)).not.toEqual(names(8));
  });
});
