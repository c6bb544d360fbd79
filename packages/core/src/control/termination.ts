import type { Container, Pod } from "../api/index.ts";
import { type EventHandle, type Nanos, type Scheduler, s } from "../engine/index.ts";

/** What the kubelet does to a container's processes; the application layer implements these. */
export interface ContainerHooks {
  /** SIGTERM, once the preStop hook is over; the process calls `exited` once it has exited. */
  sigterm?(pod: Pod, container: Container, exited: () => void): void;
  /** SIGKILL at the end of the grace period: the process dies and the kernel closes its sockets. */
  sigkill?(pod: Pod, container: Container): void;
  /** The Pod vanishes without any signal (a crashed node, a force delete): its namespace is gone. */
  crash?(pod: Pod): void;
}

/** The floor the kubelet gives a container between SIGTERM and SIGKILL. */
// why: kuberuntime_container.go minimumGracePeriodInSeconds = 2 — "always give containers
// a minimal shutdown window to avoid unnecessary SIGKILLs".
export const MINIMUM_GRACE_PERIOD: Nanos = s(2);

/** When the kubelet signals one container of a terminating Pod, relative to the deletion. */
export interface ContainerStopPlan {
  readonly container: Container;
  /** The preStop hook's sleep as configured (0 without one). */
  readonly preStop: Nanos;
  /** When SIGTERM is sent: once the preStop hook has finished or run out of time. */
  readonly sigterm: Nanos;
  /** When SIGKILL is sent if the process is still running. */
  readonly sigkill: Nanos;
}

/** A container's preStop hook as a duration: `sleep.seconds`; an exec or httpGet hook is modelled as instant. */
// why: the sleep action (KEP-3960) blocks for its seconds; exec/httpGet hooks run for as long
// as their command or request takes, which the simulator does not know, so they count as 0.
export function preStopDuration(container: Container): Nanos {
  return s(container.lifecycle?.preStop?.sleep?.seconds ?? 0);
}

/**
 * Each container's SIGTERM and SIGKILL times for a deletion with this grace
 * period (seconds). The preStop hook runs first and is cut off when the grace
 * period runs out; SIGTERM follows at once; SIGKILL follows after what is
 * left of the grace period, but never sooner than 2 s after SIGTERM.
 * A grace period of 0 (a force delete) signals nothing gracefully: SIGKILL at once.
 */
// why: kuberuntime_container.go killContainer — "gracePeriod = gracePeriod -
// executePreStopHook(...)" (the hook's own timeout is gracePeriod), then
// "if gracePeriod < minimumGracePeriodInSeconds { gracePeriod = minimumGracePeriodInSeconds }"
// and StopContainer(gracePeriod) sends SIGTERM, then SIGKILL after gracePeriod. Containers
// are killed in parallel (killContainersWithSyncResult), each on its own clock.
export function containerStopPlans(pod: Pod, graceSeconds: number): ContainerStopPlan[] {
  const grace = s(Math.max(0, graceSeconds));
  return pod.spec.containers.map((container) => {
    const preStop = preStopDuration(container);
    if (grace === 0) return { container, preStop, sigterm: grace, sigkill: grace };
    const sigterm = Math.min(preStop, grace) as Nanos;
    const sigkill = (sigterm + Math.max(grace - sigterm, MINIMUM_GRACE_PERIOD)) as Nanos;
    return { container, preStop, sigterm, sigkill };
  });
}

/** What {@link scheduleContainerStops} needs from the Pod's lifecycle. */
export interface ContainerStopEnv {
  readonly scheduler: Scheduler;
  /** Where the timers go, so that the lifecycle can cancel them. */
  readonly timers: EventHandle[];
  readonly hooks: ContainerHooks | undefined;
  /** A fixed application exit time after SIGTERM, if one is configured. */
  readonly exitDelay: Nanos | undefined;
  /** The Pod as it is now; undefined once the lifecycle has let go of it. */
  readonly current: () => Pod | undefined;
  /** True while the container's process still runs. */
  readonly running: (container: string) => boolean;
  /** The container's process has exited (on its own or by SIGKILL). */
  readonly exited: (container: string) => void;
}

/**
 * Schedules each container's signals from now: SIGTERM at its plan's time
 * (then, with an `exitDelay`, the exit that long after), and SIGKILL at its
 * plan's time if the process still runs. A force delete (SIGTERM and SIGKILL
 * at the same instant) sends only SIGKILL.
 */
export function scheduleContainerStops(plans: readonly ContainerStopPlan[], env: ContainerStopEnv): void {
  const { scheduler, timers, hooks } = env;
  const at = (delay: Nanos, fn: () => void) => timers.push(scheduler.after(delay, fn, "control/lifecycle"));
  for (const plan of plans) {
    const name = plan.container.name;
    const exited = () => env.exited(name);
    if (plan.sigterm < plan.sigkill) {
      at(plan.sigterm, () => {
        const pod = env.current();
        if (!pod || !env.running(name)) return;
        if (env.exitDelay !== undefined) at(env.exitDelay, exited);
        hooks?.sigterm?.(pod, plan.container, exited);
      });
    }
    at(plan.sigkill, () => {
      const pod = env.current();
      if (!pod || !env.running(name)) return;
      hooks?.sigkill?.(pod, plan.container);
      exited();
    });
  }
}
