import { InputError } from "../engine/index.ts";

/** What the rollout arithmetic knows of one ReplicaSet. */
export interface ReplicaSetState {
  /** The pod-template-hash naming the ReplicaSet. */
  readonly hash: string;
  /** `spec.replicas`. */
  readonly replicas: number;
  /** Active Pods Ready for at least minReadySeconds. */
  readonly available: number;
  /** Creation order; lower is older. */
  readonly created: number;
}

/**
 * An int-or-percent value scaled against `total`: an integer as is, `"N%"` as
 * N percent of total, rounded up or down. Anything else throws an InputError
 * naming `path`.
 */
// why: k8s.io/apimachinery intstr GetScaledValueFromIntOrPercent: ceil when roundUp, else floor.
export function scaledValue(value: number | string, total: number, roundUp: boolean, path: string): number {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0) return value;
    throw new InputError([`${path}: expected a non-negative integer or a percentage such as "25%", got ${value}`]);
  }
  const m = /^(\d+)%$/.exec(value);
  if (!m)
    throw new InputError([`${path}: expected a non-negative integer or a percentage such as "25%", got "${value}"`]);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * maxSurge (rounded up) and maxUnavailable (rounded down) for `desired`
 * replicas; when both come out 0, maxUnavailable becomes 1.
 */
// why: pkg/controller/deployment/util ResolveFenceposts — "If both fenceposts resolve to
// zero, then we should set maxUnavailable to 1 on the theory that surge might not work".
export function resolveFenceposts(
  maxSurge: number | string,
  maxUnavailable: number | string,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true, "spec.strategy.rollingUpdate.maxSurge");
  let unavailable = scaledValue(maxUnavailable, desired, false, "spec.strategy.rollingUpdate.maxUnavailable");
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** maxUnavailable as the controller uses it: 0 for zero replicas, never more than the replicas. */
// why: deployment/util MaxUnavailable.
export function effectiveMaxUnavailable(desired: number, resolvedUnavailable: number): number {
  if (desired === 0) return 0;
  return Math.min(resolvedUnavailable, desired);
}

function sum(rss: readonly ReplicaSetState[], field: "replicas" | "available"): number {
  return rss.reduce((n, rs) => n + rs[field], 0);
}

/**
 * One step of a RollingUpdate: the new `spec.replicas` of every ReplicaSet
 * whose count changes. Scales the new ReplicaSet up within maxSurge; if it
 * cannot, scales old ones down within maxUnavailable (unhealthy Pods first).
 */
// why: pkg/controller/deployment/rolling.go rolloutRolling → reconcileNewReplicaSet, then
// reconcileOldReplicaSets (cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate).
export function rollingStep(
  desired: number,
  surge: number,
  unavailable: number,
  newRS: ReplicaSetState,
  oldRSs: readonly ReplicaSetState[],
): Map<string, number> {
  const out = new Map<string, number>();
  if (newRS.replicas > desired) return out.set(newRS.hash, desired);
  const all = [newRS, ...oldRSs];
  if (newRS.replicas < desired) {
    // why: deployment/util NewRSNewReplicas — never more than desired + maxSurge in total.
    const maxTotal = desired + surge;
    const current = sum(all, "replicas");
    if (current < maxTotal) {
      const up = Math.min(maxTotal - current, desired - newRS.replicas);
      return out.set(newRS.hash, newRS.replicas + up);
    }
  }
  if (sum(oldRSs, "replicas") === 0) return out;
  const minAvailable = desired - effectiveMaxUnavailable(desired, unavailable);
  const maxScaledDown = sum(all, "replicas") - minAvailable - (newRS.replicas - newRS.available);
  if (maxScaledDown <= 0) return out;
  const olds = [...oldRSs].sort((a, b) => a.created - b.created).map((rs) => ({ ...rs }));
  let cleaned = 0;
  for (const rs of olds) {
    if (cleaned >= maxScaledDown) break;
    if (rs.replicas === 0 || rs.replicas === rs.available) continue;
    const down = Math.min(maxScaledDown - cleaned, rs.replicas - rs.available);
    rs.replicas -= down;
    cleaned += down;
    out.set(rs.hash, rs.replicas);
  }
  const availableNow = newRS.available + sum(olds, "available");
  if (availableNow <= minAvailable) return out;
  const toScaleDown = availableNow - minAvailable;
  let scaled = 0;
  for (const rs of olds) {
    if (scaled >= toScaleDown) break;
    if (rs.replicas === 0) continue;
    const down = Math.min(rs.replicas, toScaleDown - scaled);
    rs.replicas -= down;
    scaled += down;
    out.set(rs.hash, rs.replicas);
  }
  return out;
}

/**
 * One step of a Recreate rollout: scale every old ReplicaSet to zero; only
 * once no old Pod is left at all (terminating ones included) scale the new
 * one to `desired`.
 */
// why: pkg/controller/deployment/recreate.go rolloutRecreate + oldPodsRunning.
export function recreateStep(
  desired: number,
  newRS: ReplicaSetState,
  oldRSs: readonly ReplicaSetState[],
  oldPodsLeft: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const rs of oldRSs) if (rs.replicas > 0) out.set(rs.hash, 0);
  if (out.size > 0 || oldPodsLeft > 0) return out;
  if (newRS.replicas !== desired) out.set(newRS.hash, desired);
  return out;
}
