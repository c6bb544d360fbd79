import { describe, expect, it } from "vitest";
import type { Container, Probe } from "../../src/api/index.ts";
import {
  ApiStore,
  containerStopPlans,
  isPodReady,
  type PendingProbe,
  PodLifecycle,
  type PodLifecycleOptions,
  PodScheduler,
} from "../../src/control/index.ts";
import { ms, Scheduler, s } from "../../src/engine/index.ts";
import { container, node, pod } from "./fixtures.ts";

const sleepHook = (seconds: number): Partial<Container> => ({ lifecycle: { preStop: { sleep: { seconds } } } });

const probe = (p: Partial<Probe> = {}): Probe => ({
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 1,
  ...p,
});

describe("containerStopPlans", () => {
  // why: kuberuntime_container.go killContainer — SIGTERM once preStop returns (its timeout is
  // the grace period), SIGKILL after the rest of the grace period, at least 2 s after SIGTERM.
  const plan = (grace: number, ...containers: Container[]) =>
    containerStopPlans(pod("a", { containers, grace }), grace).map((p) => [p.container.name, p.sigterm, p.sigkill]);

  it("sends SIGTERM after each container's own preStop sleep and SIGKILL at the end of the grace period", () => {
    expect(plan(30, container("app"), container("side", [], sleepHook(5)))).toEqual([
      ["app", 0, s(30)],
      ["side", s(5), s(30)],
    ]);
  });

  it("cuts a preStop longer than the grace period and still gives SIGTERM its 2 s", () => {
    expect(plan(30, container("app", [], sleepHook(40)))).toEqual([["app", s(30), s(32)]]);
    expect(plan(10, container("app", [], sleepHook(9)))).toEqual([["app", s(9), s(11)]]);
  });

  it("sends only SIGKILL for a zero grace period", () => {
    expect(plan(0, container("app", [], sleepHook(5)))).toEqual([["app", 0, 0]]);
  });
});

function setup(extra: Partial<PodLifecycleOptions> = {}) {
  const scheduler = new Scheduler();
  const store = new ApiStore({ clock: scheduler });
  new PodScheduler({ store, scheduler });
  const signals: string[] = [];
  const exits = new Map<string, () => void>();
  const lifecycle = new PodLifecycle({
    store,
    scheduler,
    startDelay: ms(1000),
    hooks: {
      sigterm: (p, c, exited) => {
        signals.push(`${scheduler.now / 1e9}s TERM ${p.metadata.name}/${c.name}`);
        exits.set(`${p.metadata.name}/${c.name}`, exited);
      },
      sigkill: (p, c) => signals.push(`${scheduler.now / 1e9}s KILL ${p.metadata.name}/${c.name}`),
      crash: (p) => signals.push(`${scheduler.now / 1e9}s CRASH ${p.metadata.name}`),
    },
    ...extra,
  });
  store.create(node("n1", { podCIDR: "10.244.1.0/24", ip: "192.168.0.1" }));
  const gone: number[] = [];
  store.watch((e) => {
    if (e.kind === "Pod" && e.verb === "delete") gone.push(scheduler.now);
  });
  return { scheduler, store, lifecycle, signals, exits, gone };
}

describe("PodLifecycle termination", () => {
  it("signals each container on its own clock and removes the Pod once all have exited", () => {
    const { scheduler, store, lifecycle, signals, exits, gone } = setup({ teardownDelay: ms(100) });
    store.create(pod("a", { containers: [container("app"), container("side", [], sleepHook(5))], grace: 30 }));
    scheduler.runUntil(s(10));
    lifecycle.deletePod("default/a");
    scheduler.runUntil(s(12));
    exits.get("a/app")?.(); // the app exits 2 s after its SIGTERM; the sidecar ignores its own
    scheduler.runUntil(s(60));
    expect(signals).toEqual(["10s TERM a/app", "15s TERM a/side", "40s KILL a/side"]);
    // Removed once the last container (killed at 40 s) has exited, after the teardown.
    expect(gone).toEqual([s(40) + ms(100)]);
  });

  it("removes the Pod right after the applications exit, before the grace period ends", () => {
    const { scheduler, store, lifecycle, signals, exits, gone } = setup();
    store.create(pod("a", { containers: [container("app", [], sleepHook(3))], grace: 30 }));
    scheduler.runUntil(s(10));
    lifecycle.deletePod("default/a");
    scheduler.runUntil(s(13));
    exits.get("a/app")?.();
    scheduler.runUntil(s(60));
    expect(signals).toEqual(["13s TERM a/app"]);
    expect(gone).toEqual([s(13)]);
  });

  it("a crash sends no signal to the containers, only the crash itself", () => {
    const { scheduler, store, lifecycle, signals, gone } = setup();
    store.create(pod("a"));
    scheduler.runUntil(s(5));
    lifecycle.crash("default/a");
    scheduler.runUntil(s(60));
    expect(signals).toEqual(["5s CRASH a"]);
    expect(gone).toEqual([s(5)]);
  });

  it("removes a terminating Pod whose containers never started without signals", () => {
    const { scheduler, store, lifecycle, signals, gone } = setup({ teardownDelay: ms(100) });
    store.create(pod("a"));
    scheduler.runUntil(ms(500)); // bound, not yet Running (start delay 1 s)
    lifecycle.deletePod("default/a");
    scheduler.runUntil(s(60));
    expect(signals).toEqual([]);
    expect(gone).toEqual([ms(600)]);
  });
});

describe("PodLifecycle pending probes", () => {
  it("applies an answer when it comes, and fails a probe unanswered after timeoutSeconds", () => {
    // why: prober.go — a probe gets timeoutSeconds; no answer by then is a failure.
    let answerAfter = ms(500);
    const { scheduler, store } = setup({
      probe: (): PendingProbe => (done) => void scheduler.after(answerAfter, () => done(true)),
    });
    const c = container("app", [], { readinessProbe: probe({ periodSeconds: 10, timeoutSeconds: 1 }) });
    store.create(pod("a", { containers: [c] }));
    const readyAt: [number, boolean][] = [];
    store.watch((e) => {
      if (e.kind === "Pod" && e.verb !== "delete") readyAt.push([scheduler.now, isPodReady(e.object)]);
    });
    scheduler.runUntil(s(15));
    // Probe at 10 s (not running at the 0 s tick), answered 0.5 s later.
    expect(readyAt.at(-1)).toEqual([s(10) + ms(500), true]);
    answerAfter = s(3);
    scheduler.runUntil(s(25));
    // The 20 s probe would answer at 23 s: it fails at 21 s.
    expect(readyAt.at(-1)).toEqual([s(21), false]);
  });

  it("drops a tick that comes while the previous probe is still running", () => {
    // why: worker.go runs doProbe synchronously in the worker goroutine; its time.Ticker drops ticks.
    const started: number[] = [];
    const { scheduler, store } = setup({
      probe: () => (done) => {
        started.push(scheduler.now);
        scheduler.after(s(3), () => done(true));
      },
    });
    const c = container("app", [], { readinessProbe: probe({ periodSeconds: 2, timeoutSeconds: 5 }) });
    store.create(pod("a", { containers: [c] }));
    scheduler.runUntil(s(11));
    // Ticks at 2, 4, 6, 8, 10 s; each probe runs 3 s, so the 4 s and 8 s ticks find one running.
    expect(started).toEqual([s(2), s(6), s(10)]);
  });
});
