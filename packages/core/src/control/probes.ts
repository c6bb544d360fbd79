import type { Probe } from "../api/index.ts";

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
