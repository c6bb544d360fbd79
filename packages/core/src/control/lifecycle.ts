import type { Container, Pod } from "../api/index.ts";
import { type EventHandle, type Nanos, type Scheduler, s } from "../engine/index.ts";
import { objectKey } from "./objects.ts";
import { beginPodDeletion, isPodTerminating, POD_READY, withCondition } from "./pods.ts";
import type { PendingProbe } from "./probes.ts";
import { awaitProbe, feedProbe, newProbeCounter, type ProbeCounter, pastInitialDelay } from "./probes.ts";
import type { ApiStore, WatchEvent } from "./store.ts";
import { type ContainerHooks, containerStopPlans, scheduleContainerStops } from "./termination.ts";

/** A readiness probe's outcome: known at once (true: success), or pending. */
export type ProbeOutcome = boolean | PendingProbe;

/** A readiness probe of one container of one Pod at one instant. */
export type ReadinessProbeFn = (pod: Pod, now: Nanos, container: Container) => ProbeOutcome;

/** How long a Pod's application takes to exit after SIGTERM; undefined: it never exits on its own. */
export type ExitDelayFn = (pod: Pod) => Nanos | undefined;

/** How the kubelet-side Pod lifecycle is wired and tuned. */
export interface PodLifecycleOptions {
  readonly store: ApiStore;
  readonly scheduler: Scheduler;
  /** From the kubelet seeing a bound, addressed Pod to its containers running. Default 1 s. */
  readonly startDelay?: Nanos;
  /** Readiness probe results. Default: always healthy. */
  readonly probe?: ReadinessProbeFn;
  /** Application exit time after SIGTERM. Default: never early, so the full grace period is used. */
  readonly exitDelay?: ExitDelayFn;
  /** Signals to the applications in the containers. */
  readonly hooks?: ContainerHooks;
  /**
   * From the last container's exit to the Pod's removal (sandbox teardown: CNI DEL,
   * then the object's deletion). Default 0. Packets the dying processes sent
   * (FINs, RSTs) leave only if this is longer than the veth's latency.
   */
  readonly teardownDelay?: Nanos;
}

interface PodState {
  readonly seenAt: Nanos;
  startedAt: Nanos | undefined;
  readonly timers: EventHandle[];
  readonly probes: Map<string, ProbeCounter>;
  /** Containers with a probe in flight. */
  readonly probing: Set<string>;
  exiting: boolean;
  /** Containers whose process still runs during termination. */
  readonly running: Set<string>;
}

/**
 * What the kubelet does with a Pod, on the simulated clock: Pending → Running
 * after `startDelay`; readiness follows each container's readinessProbe
 * (Ready once every container is ready; a container without a probe is ready
 * as soon as it runs); a deletion (deletionTimestamp set by anyone) ends with
 * the object's removal after the grace period, or earlier if the application
 * exits. The network layer can follow Pods through the store's events (see
 * `watchPodNetwork`).
 */
export class PodLifecycle {
  private readonly pods = new Map<string, PodState>();
  private readonly overrides = new Map<string, boolean>();
  private readonly graceOverrides = new Map<string, number>();
  private readonly unwatch: () => void;

  constructor(private readonly options: PodLifecycleOptions) {
    this.unwatch = options.store.watch((event) => this.onEvent(event));
    for (const pod of options.store.list("Pod")) this.observe(objectKey(pod.metadata), pod);
  }

  /** Stops watching and cancels every timer. */
  close(): void {
    this.unwatch();
    for (const key of [...this.pods.keys()]) this.forget(key);
  }

  /** Forces a Pod's probe results (true healthy, false failing); undefined returns to the probe function. */
  setProbeResult(podKey: string, healthy: boolean | undefined): void {
    if (healthy === undefined) this.overrides.delete(podKey);
    else this.overrides.set(podKey, healthy);
  }

  /** Deletes a Pod gracefully, optionally with a grace period other than the Pod's own. */
  deletePod(podKey: string, gracePeriodSeconds?: number): void {
    if (gracePeriodSeconds !== undefined) this.graceOverrides.set(podKey, gracePeriodSeconds);
    beginPodDeletion(this.options.store, podKey, this.options.scheduler.now);
  }

  /**
   * A terminating Pod's applications have all exited: the Pod is removed after
   * the teardown delay. Returns false if it was not terminating.
   */
  exitNow(podKey: string): boolean {
    const pod = this.options.store.get("Pod", podKey);
    const state = this.pods.get(podKey);
    if (!pod || !isPodTerminating(pod)) return false;
    if (!state) this.finish(podKey, "exited");
    else for (const name of [...state.running]) this.containerExited(podKey, name);
    return true;
  }

  /** The Pod vanishes at once, without a grace period or any signal (a crashed node, a force delete). */
  crash(podKey: string): void {
    const pod = this.options.store.get("Pod", podKey);
    if (!pod) return;
    this.forget(podKey);
    this.options.hooks?.crash?.(pod);
    this.options.store.delete("Pod", podKey, "crashed");
  }

  private onEvent(event: WatchEvent): void {
    if (event.kind !== "Pod") return;
    if (event.verb === "delete") this.forget(event.key);
    else this.observe(event.key, event.object);
  }

  private observe(key: string, pod: Pod): void {
    let state = this.pods.get(key);
    if (!state) {
      if (!pod.spec.nodeName || (!pod.status.podIP && !isPodTerminating(pod))) return;
      state = this.track(key, pod);
    }
    if (isPodTerminating(pod) && !state.exiting) this.beginExit(key, pod, state);
  }

  /** The kubelet has the Pod: start its containers after startDelay and its probe workers now. */
  private track(key: string, pod: Pod): PodState {
    const { scheduler } = this.options;
    const state: PodState = {
      seenAt: scheduler.now,
      startedAt: undefined,
      timers: [],
      probes: new Map(),
      probing: new Set(),
      exiting: false,
      running: new Set(),
    };
    this.pods.set(key, state);
    if (pod.status.phase === "Running") state.startedAt = scheduler.now;
    else {
      const delay = this.options.startDelay ?? s(1);
      state.timers.push(scheduler.after(delay, () => this.start(key), "control/lifecycle"));
    }
    for (const container of pod.spec.containers) {
      const probe = container.readinessProbe;
      if (!probe) continue;
      state.probes.set(container.name, newProbeCounter());
      // why: prober worker.go run — the worker starts when the kubelet adds the Pod and
      // probes at once, then on every periodSeconds tick.
      this.tick(key, container, state.seenAt);
    }
    return state;
  }

  private start(key: string): void {
    const state = this.pods.get(key);
    const pod = this.options.store.get("Pod", key);
    // why: the kubelet does not start the containers of a Pod already being deleted.
    if (!state || !pod || isPodTerminating(pod)) return;
    state.startedAt = this.options.scheduler.now;
    const ready = this.allReady(pod, state);
    this.options.store.patch(
      "Pod",
      key,
      (draft) => {
        draft.status.phase = "Running";
        let conditions = withCondition(draft.status.conditions, "Initialized", "True");
        conditions = withCondition(conditions, "ContainersReady", ready ? "True" : "False");
        draft.status.conditions = withCondition(conditions, POD_READY, ready ? "True" : "False");
      },
      ready ? "running, ready" : "running",
    );
  }

  private tick(key: string, container: Container, at: Nanos): void {
    const state = this.pods.get(key);
    if (!state) return;
    const handle = this.options.scheduler.at(at, () => this.probeOnce(key, container, at), "control/lifecycle/probe");
    state.timers.push(handle);
  }

  private probeOnce(key: string, container: Container, at: Nanos): void {
    const state = this.pods.get(key);
    const pod = this.options.store.get("Pod", key);
    const probe = container.readinessProbe;
    if (!state || !pod || !probe) return;
    state.timers.splice(0, state.timers.length, ...state.timers.filter((h) => !h.done));
    this.tick(key, container, (at + probe.periodSeconds * 1e9) as Nanos);
    // why: worker.go doProbe — nothing is probed before the container runs or within initialDelaySeconds.
    if (state.startedAt === undefined || !pastInitialDelay(probe, at - state.startedAt)) return;
    // why: worker.go run — the probe runs synchronously in the worker's goroutine, so a tick
    // that comes while the previous probe is still running is dropped (time.Ticker drops ticks).
    if (state.probing.has(container.name)) return;
    const outcome = this.overrides.get(key) ?? (this.options.probe ?? (() => true))(pod, at, container);
    if (typeof outcome === "boolean") {
      this.applyProbe(key, container, outcome);
      return;
    }
    state.probing.add(container.name);
    awaitProbe(outcome, this.options.scheduler, probe, state.timers, (success) => {
      if (this.pods.get(key) !== state) return;
      state.probing.delete(container.name);
      this.applyProbe(key, container, success);
    });
  }

  private applyProbe(key: string, container: Container, success: boolean): void {
    const state = this.pods.get(key);
    const pod = this.options.store.get("Pod", key);
    const probe = container.readinessProbe;
    if (!state || !pod || !probe) return;
    const counter = state.probes.get(container.name) as ProbeCounter;
    if (feedProbe(counter, probe, success)) this.publishReadiness(key, pod, state);
  }

  private publishReadiness(key: string, pod: Pod, state: PodState): void {
    if (pod.status.phase !== "Running") return;
    const ready = this.allReady(pod, state);
    const status = ready ? "True" : "False";
    this.options.store.patch(
      "Pod",
      key,
      (draft) => {
        draft.status.conditions = withCondition(draft.status.conditions, "ContainersReady", status);
        draft.status.conditions = withCondition(draft.status.conditions, POD_READY, status);
      },
      ready ? "ready" : "not ready",
    );
  }

  private allReady(pod: Pod, state: PodState): boolean {
    if (state.startedAt === undefined) return false;
    return pod.spec.containers.every((c) => state.probes.get(c.name)?.ready ?? true);
  }

  /**
   * Termination: each container's preStop, SIGTERM, then SIGKILL at the end of
   * the grace period unless its process exits first; the Pod is removed once
   * every container has exited. Readiness probes go on meanwhile.
   */
  // why: kubelet killPodWithSyncResult → killContainer per container, in parallel; the
  // status manager deletes the Pod object once its containers have terminated. worker.go
  // doProbe keeps probing readiness of a terminating Pod (only liveness/startup stop).
  private beginExit(key: string, pod: Pod, state: PodState): void {
    state.exiting = true;
    const grace = this.graceOverrides.get(key) ?? pod.spec.terminationGracePeriodSeconds;
    // why: a container that never started has no process to stop.
    if (state.startedAt === undefined || pod.spec.containers.length === 0) {
      this.removeAfterTeardown(key, state);
      return;
    }
    for (const c of pod.spec.containers) state.running.add(c.name);
    scheduleContainerStops(containerStopPlans(pod, grace), {
      scheduler: this.options.scheduler,
      timers: state.timers,
      hooks: this.options.hooks,
      exitDelay: this.options.exitDelay?.(pod),
      current: () => (this.pods.get(key) === state ? this.options.store.get("Pod", key) : undefined),
      running: (name) => state.running.has(name),
      exited: (name) => this.containerExited(key, name),
    });
  }

  private containerExited(key: string, name: string): void {
    const state = this.pods.get(key);
    if (!state?.running.delete(name) || state.running.size > 0) return;
    this.removeAfterTeardown(key, state);
  }

  private removeAfterTeardown(key: string, state: PodState): void {
    const delay = this.options.teardownDelay ?? 0;
    if (delay === 0) this.finish(key, "deleted");
    else state.timers.push(this.options.scheduler.after(delay, () => this.finish(key, "deleted"), "control/lifecycle"));
  }

  private finish(key: string, note: string): void {
    this.forget(key);
    if (this.options.store.get("Pod", key)) this.options.store.delete("Pod", key, note);
  }

  private forget(key: string): void {
    const state = this.pods.get(key);
    if (state) for (const handle of state.timers) this.options.scheduler.cancel(handle);
    this.pods.delete(key);
    this.overrides.delete(key);
    this.graceOverrides.delete(key);
  }
}
