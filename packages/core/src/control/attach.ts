import type { Pod } from "../api/index.ts";
import type { ApiStore } from "./store.ts";

/** Callbacks for the network layer: a Pod gets, and later loses, its veth and address. */
export interface PodNetworkHandlers {
  /** The Pod is bound to a Node and has its own podIP (hostNetwork Pods are not reported). */
  attach(pod: Pod): void;
  /** The Pod object is gone; `pod` is its last state. */
  detach(pod: Pod): void;
}

/**
 * Reports Pods to the network layer from the store's events: `attach` once a
 * Pod has a Node and a podIP of its own, `detach` when its object is removed
 * (its address is free again from then on). Returns the unsubscribe function.
 * Pods that already qualify when called are attached at once, in key order.
 */
// why: the CNI ADD runs when the kubelet creates the Pod sandbox and DEL when it tears
// it down; a terminating Pod keeps its network until its containers are gone.
export function watchPodNetwork(store: ApiStore, handlers: PodNetworkHandlers): () => void {
  const attached = new Set<string>();
  const qualifies = (pod: Pod) => !pod.spec.hostNetwork && !!pod.spec.nodeName && !!pod.status.podIP;
  for (const pod of store.list("Pod")) {
    if (!qualifies(pod)) continue;
    attached.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
    handlers.attach(pod);
  }
  return store.watch((event) => {
    if (event.kind !== "Pod") return;
    if (event.verb === "delete") {
      if (attached.delete(event.key)) handlers.detach(event.object);
    } else if (!attached.has(event.key) && qualifies(event.object)) {
      attached.add(event.key);
      handlers.attach(event.object);
    }
  });
}
