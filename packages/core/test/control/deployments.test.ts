import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Deployment, Pod } from "../../src/api/index.ts";
import {
  ApiStore,
  DeploymentController,
  isPodReady,
  isPodTerminating,
  PodLifecycle,
  PodScheduler,
} from "../../src/control/index.ts";
import { ms, Rng, Scheduler, s } from "../../src/engine/index.ts";
import { deployment, node } from "./fixtures.ts";

function cluster(seed = 42) {
  const scheduler = new Scheduler();
  const store = new ApiStore({ clock: scheduler });
  new PodScheduler({ store, scheduler });
  const lifecycle = new PodLifecycle({ store, scheduler, startDelay: ms(700) });
  const controller = new DeploymentController({ store, scheduler, rng: new Rng(seed) });
  store.create(node("n1", { podCIDR: "10.244.1.0/24", ip: "192.168.0.1" }));
  store.create(node("n2", { podCIDR: "10.244.2.0/24", ip: "192.168.0.2" }));
  const pods = () => store.list("Pod");
  const active = () => pods().filter((p) => !isPodTerminating(p));
  const available = () => active().filter(isPodReady);
  return { scheduler, store, lifecycle, controller, pods, active, available };
}

const withImage = (d: Deployment, image: string): Deployment => {
  const next = structuredClone(d);
  (next.spec.template.spec.containers[0] as { image?: string }).image = image;
  return next;
};

const hashOf = (p: Pod) => p.metadata.labels["pod-template-hash"];

/** The documented bounds, computed here independently of the code under test. */
// why: Deployment docs / deployment/util ResolveFenceposts: maxSurge percentages round up,
// maxUnavailable percentages round down, and if both come out 0, maxUnavailable is 1.
function bounds(replicas: number, surge: number | string, unavailable: number | string) {
  const pct = (v: number | string, up: boolean) =>
    typeof v === "number" ? v : (up ? Math.ceil : Math.floor)((Number(v.slice(0, -1)) * replicas) / 100);
  const su = pct(surge, true);
  let un = pct(unavailable, false);
  if (su === 0 && un === 0) un = 1;
  return { maxPods: replicas + su, minAvailable: replicas - Math.min(un, replicas) };
}

describe("Deployment controller", () => {
  it("creates <deploy>-<hash>-<5 chars> Pods and scales up and down", () => {
    const c = cluster();
    c.store.create(deployment("web", { replicas: 3 }));
    c.scheduler.runUntil(s(5));
    expect(c.available()).toHaveLength(3);
    for (const p of c.pods()) {
      expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata.name.startsWith(`web-${hashOf(p)}-`)).toBe(true);
      expect(p.metadata.labels.app).toBe("web");
    }
    c.store.update({ ...deployment("web", { replicas: 5 }) });
    c.scheduler.runUntil(s(10));
    expect(c.available()).toHaveLength(5);
    c.store.update({ ...deployment("web", { replicas: 2 }) });
    c.scheduler.runUntil(s(11));
    expect(c.active()).toHaveLength(2);
    c.scheduler.runUntil(s(60));
    expect(c.pods()).toHaveLength(2);
  });

  it("deletes not-ready and newest Pods first when scaling down", () => {
    // why: ActivePodsWithRanks — not ready before ready; among ready, the one ready for less
    // time first (replicaset getPodsToDelete).
    const c = cluster();
    c.store.create(deployment("web", { replicas: 2 }));
    c.scheduler.runUntil(s(5));
    const first = c.pods().map((p) => p.metadata.name);
    c.store.update(deployment("web", { replicas: 3 }));
    c.scheduler.runUntil(s(10));
    const newest = c.pods().find((p) => !first.includes(p.metadata.name))?.metadata.name;
    c.store.update(deployment("web", { replicas: 2 }));
    c.scheduler.runUntil(s(11));
    expect(
      c
        .pods()
        .filter(isPodTerminating)
        .map((p) => p.metadata.name),
    ).toEqual([newest]);
  });

  it("replaces Pods that disappear", () => {
    const c = cluster();
    c.store.create(deployment("web", { replicas: 2 }));
    c.scheduler.runUntil(s(5));
    c.lifecycle.crash(`default/${c.pods()[0]?.metadata.name}`);
    c.scheduler.runUntil(s(10));
    expect(c.available()).toHaveLength(2);
  });

  it("Recreate waits for every old Pod to be gone before creating new ones", () => {
    // why: recreate.go — scale old ReplicaSets to 0, and "Do not process a deployment when it
    // has old pods running" (terminating Pods included) before scaling up the new one.
    const c = cluster();
    const d = deployment("web", { replicas: 3, strategy: { type: "Recreate" }, grace: 10 });
    c.store.create(d);
    c.scheduler.runUntil(s(5));
    const oldHash = hashOf(c.pods()[0] as Pod);
    c.store.update(withImage(d, "web:2"));
    c.scheduler.runUntil(s(14));
    expect(c.pods().every((p) => hashOf(p) === oldHash && isPodTerminating(p))).toBe(true);
    c.scheduler.runUntil(s(20));
    expect(c.available()).toHaveLength(3);
    expect(c.pods().every((p) => hashOf(p) !== oldHash)).toBe(true);
  });

  it("counts a new Pod available only after minReadySeconds", () => {
    // why: podutil IsPodAvailable — Ready for minReadySeconds; with maxUnavailable 0 the old
    // ReplicaSet may only lose a Pod once a new one is available (scaleDownOldReplicaSetsForRollingUpdate).
    const c = cluster();
    const d = deployment("web", {
      replicas: 2,
      minReadySeconds: 10,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    c.store.create(d);
    c.scheduler.runUntil(s(30));
    c.store.update(withImage(d, "web:2"));
    // New Pod created at 30 s, running and ready at 30.7 s (startDelay 700 ms), available at 40.7 s.
    c.scheduler.runUntil(ms(40_699));
    expect(c.pods().filter(isPodTerminating)).toHaveLength(0);
    c.scheduler.runUntil(ms(40_700));
    expect(c.pods().filter(isPodTerminating)).toHaveLength(1);
  });

  it("names Pods from the seed: same seed, same names", () => {
    const names = (seed: number) => {
      const c = cluster(seed);
      c.store.create(deployment("web", { replicas: 4 }));
      c.scheduler.runUntil(s(5));
      return c.pods().map((p) => p.metadata.name);
    };
    expect(names(42)).toEqual(names(42));
    expect(names(42)).not.toEqual(names(43));
  });

  // The bounds hold for active Pods (not terminating), which is what ReplicaSets count
  // (FilterActivePods): terminating Pods of scaled-down ReplicaSets may linger on top, as in
  // a real cluster.
  it("rolling updates stay within maxSurge and maxUnavailable, and complete", () => {
    const intOrPct = fc.oneof(
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        intOrPct,
        intOrPct,
        fc.integer({ min: 0, max: 2 }),
        (replicas, surge, unav, minReady) => {
          const c = cluster();
          const d = deployment("web", {
            replicas,
            minReadySeconds: minReady,
            grace: 5,
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unav } },
          });
          c.store.create(d);
          c.scheduler.runUntil(s(30));
          expect(c.available()).toHaveLength(replicas);
          const { maxPods, minAvailable } = bounds(replicas, surge, unav);
          const violations: string[] = [];
          c.store.watch(() => {
            const active = c.active().length;
            const avail = c.available().length;
            if (active > maxPods) violations.push(`t=${c.scheduler.now} ${active} pods > ${maxPods}`);
            if (avail < minAvailable) violations.push(`t=${c.scheduler.now} ${avail} available < ${minAvailable}`);
          });
          c.store.update(withImage(d, "web:2"));
          c.scheduler.runUntil(s(600));
          expect(violations).toEqual([]);
          const newHash = hashOf(c.active()[0] as Pod);
          expect(c.pods()).toHaveLength(replicas);
          expect(c.available().filter((p) => hashOf(p) === newHash)).toHaveLength(replicas);
        },
      ),
      { numRuns: 60, seed: 20240611 },
    );
  });
});
