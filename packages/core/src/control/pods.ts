import type { Pod, PodCondition } from "../api/index.ts";
import { formatTimestamp, type Nanos } from "../engine/index.ts";
import type { ApiStore } from "./store.ts";

/** The Pod condition kube-proxy's endpoints ultimately follow. */
export const POD_READY = "Ready";

/** True when the Pod's `Ready` condition is `True`. */
// why: endpointslice/util IsPodReady → isPodReadyConditionTrue: only a Ready
// condition with status True counts; a missing condition is not ready.
export function isPodReady(pod: Pod): boolean {
  return pod.status.conditions.some((c) => c.type === POD_READY && c.status === "True");
}

/** True once deletion has started (`metadata.deletionTimestamp` set): the Pod is terminating. */
export function isPodTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

/** True when the Pod has finished for good (phase Succeeded or Failed). */
// why: endpointslice/util isPodPhaseTerminal — "terminal" is distinct from "terminating".
export function isPodTerminal(pod: Pod): boolean {
  return pod.status.phase === "Succeeded" || pod.status.phase === "Failed";
}

/** True when the Pod counts toward a ReplicaSet: neither terminating nor terminal. */
// why: pkg/controller controller_utils.go IsPodActive: phase not Succeeded/Failed and
// DeletionTimestamp nil; ReplicaSets only count active Pods (FilterActivePods).
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminating(pod) && !isPodTerminal(pod);
}

/** The conditions with `type` set to `status`, in a new array (other conditions kept, order kept). */
export function withCondition(
  conditions: readonly PodCondition[],
  type: string,
  status: PodCondition["status"],
): PodCondition[] {
  const out = conditions.map((c) => (c.type === type ? { type, status } : { ...c }));
  if (!out.some((c) => c.type === type)) out.push({ type, status });
  return out;
}

/**
 * Starts a graceful deletion, as `DELETE /pods/<name>` does: the API server
 * only sets `deletionTimestamp`; the kubelet (here `PodLifecycle`) removes the
 * object once the containers have stopped. Does nothing if already deleting.
 */
// why: registry/core/pod strategy CheckGracefulDelete + BeforeDelete: a graceful
// delete of a running Pod sets DeletionTimestamp/DeletionGracePeriodSeconds and
// leaves the object in place for the kubelet.
export function beginPodDeletion(store: ApiStore, key: string, now: Nanos, note = "terminating"): void {
  const pod = store.get("Pod", key);
  if (!pod || isPodTerminating(pod)) return;
  // why: pod strategy CheckGracefulDelete — a Pod not yet bound to a Node, or already
  // terminal, is deleted at once (grace period 0): no kubelet has to stop anything.
  if (!pod.spec.nodeName || isPodTerminal(pod)) {
    store.delete("Pod", key, "deleted");
    return;
  }
  store.patch(
    "Pod",
    key,
    (draft) => {
      draft.metadata.deletionTimestamp = formatTimestamp(now);
    },
    note,
  );
}
