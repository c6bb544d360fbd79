import type { Pod } from "../../api/index.ts";
import { type ApiStore, selectorMatches } from "../../control/index.ts";
import type { NetNamespace } from "../../net/index.ts";

/** The parts of a running cluster that Pod applications hook into (a `SimCluster` has them all). */
export interface PodAppDeps {
  readonly store: ApiStore;
  readonly network: { pod(key: string): NetNamespace | undefined };
  readonly podHooks: { attached: ((pod: Pod) => void)[]; detached: ((pod: Pod) => void)[] };
}

/** Which Pods run an application. */
export interface PodSelector {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
}

/**
 * Starts an application (`start(podKey, netns)`) in every Pod the selector
 * matches, once the Pod is Running with a network — its container has
 * started — now or later, and forgets it when the Pod loses its network.
 * Returns the live applications by Pod key.
 */
export function startInPods<T>(
  deps: PodAppDeps,
  match: PodSelector,
  start: (podKey: string, netns: NetNamespace) => T,
): ReadonlyMap<string, T> {
  const apps = new Map<string, T>();
  const maybeStart = (pod: Pod) => {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const netns = deps.network.pod(key);
    if (!netns || apps.has(key) || pod.status.phase !== "Running") return;
    if (pod.metadata.namespace !== match.namespace || !selectorMatches(match.selector, pod.metadata.labels)) return;
    apps.set(key, start(key, netns));
  };
  deps.store.watch((event) => {
    if (event.kind === "Pod" && event.verb !== "delete") maybeStart(event.object);
  });
  deps.podHooks.attached.push(maybeStart);
  deps.podHooks.detached.push((pod) => apps.delete(`${pod.metadata.namespace}/${pod.metadata.name}`));
  for (const pod of deps.store.list("Pod", match.namespace)) maybeStart(pod);
  return apps;
}
