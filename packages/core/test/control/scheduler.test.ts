import { describe, expect, it } from "vitest";
import { ApiStore, PodScheduler, watchPodNetwork } from "../../src/control/index.ts";
import { Scheduler, s } from "../../src/engine/index.ts";
import { node, pod } from "./fixtures.ts";

function setup() {
  const scheduler = new Scheduler();
  const store = new ApiStore({ clock: scheduler });
  const placer = new PodScheduler({ store, scheduler });
  const settle = () => scheduler.runUntil((scheduler.now + s(1)) as never);
  return { scheduler, store, placer, settle };
}

const unbound = (name: string) => pod(name, { labels: { app: "web" } });

describe("PodScheduler", () => {
  it("places on the least-loaded schedulable node, ties by name", () => {
    const { store, settle } = setup();
    store.create(node("b", { podCIDR: "10.244.2.0/24", ip: "192.168.0.2" }));
    store.create(node("a", { podCIDR: "10.244.1.0/24", ip: "192.168.0.1" }));
    store.create(node("c", { podCIDR: "10.244.3.0/24", ip: "192.168.0.3", unschedulable: true }));
    for (const name of ["p1", "p2", "p3"]) store.create(unbound(name));
    settle();
    const placed = store.list("Pod").map((p) => [p.metadata.name, p.spec.nodeName, p.status.hostIP, p.status.podIP]);
    // p1 → a (tie 0/0, "a" < "b"); p2 → b (a has 1); p3 → a (tie 1/1). Addresses: host-local
    // hands out from .2 of the node's podCIDR (.1 is the bridge gateway), see net/ipam.ts.
    expect(placed).toEqual([
      ["p1", "a", "192.168.0.1", "10.244.1.2"],
      ["p2", "b", "192.168.0.2", "10.244.2.2"],
      ["p3", "a", "192.168.0.1", "10.244.1.3"],
    ]);
    expect(store.get("Pod", "default/p1")?.status.conditions).toContainEqual({ type: "PodScheduled", status: "True" });
  });

  it("waits for a node, addresses pre-bound Pods, and frees addresses of removed Pods", () => {
    const { store, settle } = setup();
    store.create(unbound("p1"));
    settle();
    expect(store.get("Pod", "default/p1")?.spec.nodeName).toBeUndefined();
    store.create(node("a", { podCIDR: "10.244.1.0/24", ip: "192.168.0.1" }));
    store.create(pod("pinned", { nodeName: "a" }));
    settle();
    expect(store.get("Pod", "default/p1")?.status.podIP).toBe("10.244.1.2");
    expect(store.get("Pod", "default/pinned")?.status.podIP).toBe("10.244.1.3");
    const detached: string[] = [];
    const attached: string[] = [];
    watchPodNetwork(store, {
      attach: (p) => attached.push(p.metadata.name),
      detach: (p) => detached.push(p.metadata.name),
    });
    expect(attached).toEqual(["p1", "pinned"]);
    store.delete("Pod", "default/p1");
    expect(detached).toEqual(["p1"]);
  });
});
