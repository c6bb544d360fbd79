import { describe, expect, it } from "vitest";
import type { Probe } from "../../src/api/index.ts";
import { ApiStore, isPodReady, PodLifecycle, PodScheduler } from "../../src/control/index.ts";
import { ms, type Nanos, Scheduler, s } from "../../src/engine/index.ts";
import { container, node, pod } from "./fixtures.ts";

const probe = (p: Partial<Probe> = {}): Probe => ({
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
  ...p,
});

function setup(opts: { healthy?: (now: Nanos) => boolean; exitDelay?: Nanos } = {}) {
  const scheduler = new Scheduler();
  const store = new ApiStore({ clock: scheduler });
  new PodScheduler({ store, scheduler });
  const lifecycle = new PodLifecycle({
    store,
    scheduler,
    startDelay: ms(1500),
    probe: opts.healthy ? (_p, now) => (opts.healthy as (n: Nanos) => boolean)(now) : undefined,
    exitDelay: opts.exitDelay === undefined ? undefined : () => opts.exitDelay,
  });
  store.create(node("n1", { podCIDR: "10.244.1.0/24", ip: "192.168.0.1" }));
  const history: string[] = [];
  store.watch((e) => {
    if (e.kind !== "Pod") return;
    const p = e.object;
    const state = e.verb === "delete" ? "gone" : `${p.status.phase}${isPodReady(p) ? "+ready" : ""}`;
    history.push(`${scheduler.now / 1e6}ms ${state}`);
  });
  return { scheduler, store, lifecycle, history };
}

describe("PodLifecycle", () => {
  it("runs after the start delay and, without a probe, is Ready at once", () => {
    const { scheduler, store, history } = setup();
    store.create(pod("a", { containers: [container("app")] }));
    scheduler.runUntil(s(5));
    expect(history).toEqual(["0ms Pending", "0ms Pending", "1500ms Running+ready"]);
  });

  it("probes on the worker's ticks, after initialDelaySeconds, with thresholds", () => {
    // why: prober worker.go — ticks every periodSeconds from when the kubelet adds the Pod
    // (t=0 here), probing only once the container has run initialDelaySeconds; readiness
    // starts as failure and flips after successThreshold / failureThreshold results in a row.
    let healthy = true;
    const { scheduler, store, history } = setup({ healthy: () => healthy });
    const c = container("app", [], { readinessProbe: probe({ initialDelaySeconds: 5, successThreshold: 2 }) });
    store.create(pod("a", { containers: [c] }));
    scheduler.runUntil(s(25));
    // Running at 1.5 s; tick 0 s (not running), 10 s (8.5 s ≥ 5: success 1/2), 20 s (2/2 → ready).
    expect(history.slice(2)).toEqual(["1500ms Running", "20000ms Running+ready"]);
    healthy = false;
    scheduler.runUntil(s(55));
    // Failures at 30, 40, 50 s: NotReady at the third (failureThreshold 3).
    expect(history.slice(4)).toEqual(["50000ms Running"]);
  });

  it("keeps the Pod while terminating for the grace period, then removes it", () => {
    const { scheduler, store, lifecycle, history } = setup();
    store.create(pod("a", { containers: [container("app")], grace: 30 }));
    scheduler.runUntil(s(10));
    lifecycle.deletePod("default/a");
    expect(store.get("Pod", "default/a")?.metadata.deletionTimestamp).toBe("10.000000000");
    scheduler.runUntil(s(39));
    expect(store.get("Pod", "default/a")).toBeDefined();
    scheduler.runUntil(s(41));
    expect(store.get("Pod", "default/a")).toBeUndefined();
    expect(history.at(-1)).toBe("40000ms gone");
  });

  it("ends termination early when the application exits, or on exitNow, and crash removes at once", () => {
    const { scheduler, store, lifecycle } = setup({ exitDelay: s(2) });
    store.create(pod("a", { containers: [container("app")] }));
    store.create(pod("b", { containers: [container("app")] }));
    store.create(pod("c", { containers: [container("app")] }));
    scheduler.runUntil(s(10));
    lifecycle.deletePod("default/a");
    scheduler.runUntil(s(12));
    expect(store.get("Pod", "default/a")).toBeUndefined();
    lifecycle.deletePod("default/b", 60);
    expect(lifecycle.exitNow("default/b")).toBe(true);
    expect(store.get("Pod", "default/b")).toBeUndefined();
    lifecycle.crash("default/c");
    expect(store.get("Pod", "default/c")).toBeUndefined();
    expect(store.get("Pod", "default/x")).toBeUndefined();
  });

  it("lets a scenario force probe results", () => {
    const { scheduler, store, lifecycle } = setup();
    const c = container("app", [], { readinessProbe: probe({ periodSeconds: 1, failureThreshold: 1 }) });
    store.create(pod("a", { containers: [c] }));
    scheduler.runUntil(s(3));
    expect(isPodReady(store.get("Pod", "default/a") as never)).toBe(true);
    lifecycle.setProbeResult("default/a", false);
    scheduler.runUntil(s(4));
    expect(isPodReady(store.get("Pod", "default/a") as never)).toBe(false);
    lifecycle.setProbeResult("default/a", undefined);
    scheduler.runUntil(s(5));
    expect(isPodReady(store.get("Pod", "default/a") as never)).toBe(true);
  });

  it("deletes an unscheduled Pod at once", () => {
    // why: pod strategy CheckGracefulDelete — no Node, no kubelet: grace period 0.
    const scheduler = new Scheduler();
    const store = new ApiStore({ clock: scheduler });
    const lifecycle = new PodLifecycle({ store, scheduler });
    store.create(pod("a"));
    lifecycle.deletePod("default/a");
    expect(store.get("Pod", "default/a")).toBeUndefined();
  });
});
