import type { Pod } from "../api/index.ts";
import type { Nanos } from "../engine/index.ts";
import { compareStrings, objectKey } from "./objects.ts";
import { isPodReady } from "./pods.ts";

// why: pkg/controller controller_utils.go podPhaseToOrdinal — Pending < Unknown < Running.
const PHASE_RANK: Record<Pod["status"]["phase"], number> = {
  Pending: 0,
  Unknown: 1,
  Running: 2,
  Succeeded: 3,
  Failed: 3,
};

/**
 * Active Pods in the order a ReplicaSet deletes them when scaling down: the
 * least useful first. Unscheduled before scheduled, Pending before Running,
 * not ready before ready, ready for less time before ready for longer, newer
 * before older; ties by name. The real ranking also prefers Pods doubled up
 * on one node and Pods with more restarts; those criteria are not modelled.
 */
// why: pkg/controller controller_utils.go ActivePodsWithRanks.Less, used by
// replicaset getPodsToDelete.
export function rankForDeletion(
  pods: readonly Pod[],
  readySince: ReadonlyMap<string, Nanos>,
  createdOrder: ReadonlyMap<string, number>,
): Pod[] {
  const score = (pod: Pod) => {
    const key = objectKey(pod.metadata);
    return {
      assigned: pod.spec.nodeName ? 1 : 0,
      phase: PHASE_RANK[pod.status.phase],
      ready: isPodReady(pod) ? 1 : 0,
      readySince: readySince.get(key) ?? 0,
      created: createdOrder.get(key) ?? 0,
    };
  };
  return [...pods].sort((a, b) => {
    const x = score(a);
    const y = score(b);
    if (x.assigned !== y.assigned) return x.assigned - y.assigned;
    if (x.phase !== y.phase) return x.phase - y.phase;
    if (x.ready !== y.ready) return x.ready - y.ready;
    // Both ready: the one ready more recently goes first.
    if (x.ready && x.readySince !== y.readySince) return y.readySince - x.readySince;
    if (x.created !== y.created) return y.created - x.created;
    return compareStrings(a.metadata.name, b.metadata.name);
  });
}
