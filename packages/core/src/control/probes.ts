import type { Probe } from "../api/index.ts";
import type { EventHandle, Nanos, Scheduler } from "../engine/index.ts";

/**
 * A probe still running: it calls `done` once with its result. The kubelet
 * counts a result that comes later than the probe's `timeoutSeconds` as a
 * failure and ignores the late answer.
 */
export type PendingProbe = (done: (success: boolean) => void) => void;

/** One container's readiness prober: the consecutive-result counter and the current verdict. */
export interface ProbeCounter {
  /** The readiness the kubelet reports for the container. */
  ready: boolean;
  /** The last raw probe result. */
  last: boolean | undefined;
  /** How many times in a row `last` was seen. */
  run: number;
}

/** A new counter: a readiness probe starts as a failure. */
// why: pkg/kubelet/prober worker.go newWorker — readiness initialValue is results.Failure.
export function newProbeCounter(): ProbeCounter {
  return { ready: false, last: undefined, run: 0 };
}

/**
 * Feeds one probe result; returns true when the container's readiness flips.
 * The verdict changes only after `successThreshold` consecutive successes or
 * `failureThreshold` consecutive failures.
 */
// why: pkg/kubelet/prober worker.go doProbe — resultRun counts identical results in a
// row; below the threshold "leave the probe state unchanged".
export function feedProbe(counter: ProbeCounter, probe: Probe, success: boolean): boolean {
  if (counter.last === success) counter.run++;
  else {
    counter.last = success;
    counter.run = 1;
  }
  const threshold = success ? probe.successThreshold : probe.failureThreshold;
  if (counter.run < threshold) return false;
  const flipped = counter.ready !== success;
  counter.ready = success;
  return flipped;
}

/**
 * True when a probe tick at `elapsedNs` after container start actually probes.
 * The kubelet compares whole elapsed seconds with initialDelaySeconds.
 */
// why: worker.go doProbe — `if int32(time.Since(StartedAt).Seconds()) < InitialDelaySeconds { return true }`.
export function pastInitialDelay(probe: Probe, elapsedNs: number): boolean {
  return Math.trunc(elapsedNs / 1e9) >= probe.initialDelaySeconds;
}

/**
 * Starts a pending probe and calls `settle` once: with its answer, or with
 * failure when `timeoutSeconds` pass first (the timer goes into `timers`).
 */
// why: prober.go runProbe — httpGet/tcpSocket/grpc probes are given timeoutSeconds;
// a probe that has not answered by then is a failure.
export function awaitProbe(
  pending: PendingProbe,
  scheduler: Scheduler,
  probe: Probe,
  timers: EventHandle[],
  settle: (success: boolean) => void,
): void {
  let settled = false;
  const once = (success: boolean) => {
    if (settled) return;
    settled = true;
    scheduler.cancel(timeout);
    settle(success);
  };
  const timeout = scheduler.after((probe.timeoutSeconds * 1e9) as Nanos, () => once(false), "control/lifecycle/probe");
  timers.push(timeout);
  pending(once);
}
