import type { Deployment, Pod } from "../api/index.ts";
import type { EventHandle, Nanos, Rng, Scheduler } from "../engine/index.ts";
import { objectKey, selectorMatches } from "./objects.ts";
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash, randomSuffix } from "./podnames.ts";
import { beginPodDeletion, isPodActive, isPodReady, isPodTerminal } from "./pods.ts";
import { rankForDeletion } from "./replicas.ts";
import { type ReplicaSetState, recreateStep, resolveFenceposts, rollingStep } from "./rollout.ts";
import type { ApiStore, WatchEvent } from "./store.ts";

/** How the Deployment controller is wired. */
export interface DeploymentControllerOptions {
  readonly store: ApiStore;
  readonly scheduler: Scheduler;
  /** Pod name suffixes come from `rng.stream("control/deployment/<ns>/<name>")`. */
  readonly rng: Rng;
  /** Delay between a relevant change and the Deployment's sync. Default 0 (same instant, separate event). */
  readonly delay?: Nanos;
}

/** A ReplicaSet as this controller keeps it (ReplicaSets are not API objects in svcsim). */
interface ReplicaSetRecord {
  readonly hash: string;
  readonly template: Deployment["spec"]["template"];
  replicas: number;
  readonly created: number;
}

/**
 * The Deployment controller together with the ReplicaSet controller it drives:
 * one ReplicaSet per distinct Pod template (named by its pod-template-hash),
 * Pods named `<deployment>-<hash>-<5 chars>`, RollingUpdate within
 * maxSurge/maxUnavailable and Recreate. ReplicaSets live inside this
 * controller rather than in the API store; proportional scaling of several
 * ReplicaSets during a rollout and revisionHistoryLimit are not modelled.
 */
export class DeploymentController {
  private readonly replicaSets = new Map<string, ReplicaSetRecord[]>();
  private readonly readySince = new Map<string, Nanos>();
  private readonly createdOrder = new Map<string, number>();
  private readonly pending = new Map<string, EventHandle>();
  private readonly wakeups = new Set<number>();
  private order = 0;
  private readonly unwatch: () => void;

  constructor(private readonly options: DeploymentControllerOptions) {
    const now = options.scheduler.now;
    for (const pod of options.store.list("Pod")) this.notePod(objectKey(pod.metadata), pod, undefined, now);
    this.unwatch = options.store.watch((event) => this.onEvent(event));
    for (const d of options.store.list("Deployment")) this.enqueue(objectKey(d.metadata));
  }

  /** Stops watching; pending syncs are cancelled. */
  close(): void {
    this.unwatch();
    for (const handle of this.pending.values()) this.options.scheduler.cancel(handle);
    this.pending.clear();
  }

  /** The pod-template-hash of each ReplicaSet of a Deployment with its `spec.replicas`, oldest first. */
  replicaSetsOf(deploymentKey: string): { hash: string; replicas: number }[] {
    return (this.replicaSets.get(deploymentKey) ?? []).map((rs) => ({ hash: rs.hash, replicas: rs.replicas }));
  }

  /** Syncs one Deployment now (`namespace/name`). */
  sync(key: string): void {
    const d = this.options.store.get("Deployment", key);
    if (!d) {
      this.deleteAllPods(key);
      return;
    }
    const records = this.recordsFor(key, d);
    const hash = podTemplateHash(d.spec.template);
    const pods = this.podsByHash(d);
    const states = records.map((rs) => this.stateOf(rs, pods.get(rs.hash) ?? [], d.spec.minReadySeconds));
    const newState = states.find((s) => s.hash === hash) as ReplicaSetState;
    const oldStates = states.filter((s) => s.hash !== hash);
    const desired = d.spec.replicas;
    let step: Map<string, number>;
    if (d.spec.strategy.type === "Recreate") {
      let oldPodsLeft = 0;
      for (const [h, list] of pods) if (h !== hash) oldPodsLeft += list.filter((p) => !isPodTerminal(p)).length;
      step = recreateStep(desired, newState, oldStates, oldPodsLeft);
    } else {
      const ru = d.spec.strategy.rollingUpdate ?? { maxSurge: "25%", maxUnavailable: "25%" };
      const { surge, unavailable } = resolveFenceposts(ru.maxSurge, ru.maxUnavailable, desired);
      step = rollingStep(desired, surge, unavailable, newState, oldStates);
    }
    for (const rs of records) rs.replicas = step.get(rs.hash) ?? rs.replicas;
    for (const rs of records) this.syncReplicaSet(d, rs, pods.get(rs.hash) ?? []);
  }

  private recordsFor(key: string, d: Deployment): ReplicaSetRecord[] {
    let records = this.replicaSets.get(key);
    if (!records) this.replicaSets.set(key, (records = []));
    const hash = podTemplateHash(d.spec.template);
    if (!records.some((rs) => rs.hash === hash)) {
      records.push({ hash, template: structuredClone(d.spec.template), replicas: 0, created: this.order++ });
    }
    return records;
  }

  private podsByHash(d: Deployment): Map<string, Pod[]> {
    const out = new Map<string, Pod[]>();
    for (const pod of this.options.store.list("Pod", d.metadata.namespace)) {
      if (!selectorMatches(d.spec.selector.matchLabels, pod.metadata.labels)) continue;
      const hash = pod.metadata.labels[POD_TEMPLATE_HASH_LABEL];
      if (hash === undefined) continue;
      out.set(hash, [...(out.get(hash) ?? []), pod]);
    }
    return out;
  }

  /** Replica counts of one ReplicaSet; schedules a wake-up for Pods still inside minReadySeconds. */
  private stateOf(rs: ReplicaSetRecord, pods: readonly Pod[], minReadySeconds: number): ReplicaSetState {
    const now = this.options.scheduler.now;
    const minReady = minReadySeconds * 1e9;
    let available = 0;
    for (const pod of pods) {
      if (!isPodActive(pod) || !isPodReady(pod)) continue;
      const since = this.readySince.get(objectKey(pod.metadata)) ?? now;
      // why: podutil IsPodAvailable — Ready for at least minReadySeconds.
      if (minReady === 0 || since + minReady <= now) available++;
      else this.wakeAt((since + minReady) as Nanos);
    }
    return { hash: rs.hash, replicas: rs.replicas, available, created: rs.created };
  }

  /** The ReplicaSet controller: create or delete Pods until the active ones equal `replicas`. */
  // why: pkg/controller/replicaset replica_set.go manageReplicas — counts active Pods
  // only (terminating ones no longer count) and deletes by getPodsToDelete's ranking.
  private syncReplicaSet(d: Deployment, rs: ReplicaSetRecord, pods: readonly Pod[]): void {
    const active = pods.filter(isPodActive);
    const now = this.options.scheduler.now;
    if (active.length > rs.replicas) {
      const ranked = rankForDeletion(active, this.readySince, this.createdOrder);
      for (const pod of ranked.slice(0, active.length - rs.replicas)) {
        beginPodDeletion(this.options.store, objectKey(pod.metadata), now, `scaled down ${d.metadata.name}-${rs.hash}`);
      }
    }
    for (let i = active.length; i < rs.replicas; i++) this.createPod(d, rs);
  }

  private createPod(d: Deployment, rs: ReplicaSetRecord): void {
    const { namespace, name } = d.metadata;
    const stream = this.options.rng.stream(`control/deployment/${namespace}/${name}`);
    const prefix = `${name}-${rs.hash}-`;
    let podName = prefix + randomSuffix(stream);
    while (this.options.store.get("Pod", `${namespace}/${podName}`)) podName = prefix + randomSuffix(stream);
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: podName,
        namespace,
        labels: { ...rs.template.metadata.labels, [POD_TEMPLATE_HASH_LABEL]: rs.hash },
        annotations: { ...rs.template.metadata.annotations },
      },
      spec: structuredClone(rs.template.spec),
      status: { phase: "Pending", conditions: [] },
    };
    this.options.store.create(pod, `created by ${name}-${rs.hash}`);
  }

  private deleteAllPods(key: string): void {
    const records = this.replicaSets.get(key);
    this.replicaSets.delete(key);
    if (!records) return;
    const [namespace, name] = key.split("/") as [string, string];
    const hashes = new Set(records.map((rs) => rs.hash));
    for (const pod of this.options.store.list("Pod", namespace)) {
      const hash = pod.metadata.labels[POD_TEMPLATE_HASH_LABEL];
      // Ownership by name prefix and hash stands in for ownerReferences.
      const owned = hash !== undefined && hashes.has(hash) && pod.metadata.name.startsWith(`${name}-${hash}-`);
      // why: deleting a Deployment cascades (garbage collector, ownerReferences) to its Pods.
      if (owned) beginPodDeletion(this.options.store, objectKey(pod.metadata), this.options.scheduler.now);
    }
  }

  private onEvent(event: WatchEvent): void {
    if (event.kind === "Deployment") {
      this.enqueue(event.key);
      return;
    }
    if (event.kind !== "Pod") return;
    const now = this.options.scheduler.now;
    this.notePod(event.key, event.verb === "delete" ? undefined : event.object, event.old, now);
    for (const d of this.options.store.list("Deployment", event.object.metadata.namespace)) {
      const sel = d.spec.selector.matchLabels;
      if (
        selectorMatches(sel, event.object.metadata.labels) ||
        (event.old && selectorMatches(sel, event.old.metadata.labels))
      ) {
        this.enqueue(objectKey(d.metadata));
      }
    }
  }

  /** Remembers when each Pod became Ready and in which order Pods appeared. */
  private notePod(key: string, pod: Pod | undefined, old: Pod | undefined, now: Nanos): void {
    if (!pod) {
      this.readySince.delete(key);
      this.createdOrder.delete(key);
      return;
    }
    if (!this.createdOrder.has(key)) this.createdOrder.set(key, this.order++);
    const ready = isPodReady(pod);
    if (ready && !(old && isPodReady(old)) && !this.readySince.has(key)) this.readySince.set(key, now);
    if (!ready) this.readySince.delete(key);
  }

  private wakeAt(at: Nanos): void {
    if (this.wakeups.has(at)) return;
    this.wakeups.add(at);
    this.options.scheduler.at(
      at,
      () => {
        this.wakeups.delete(at);
        for (const d of this.options.store.list("Deployment")) this.enqueue(objectKey(d.metadata));
      },
      "control/deployment",
    );
  }

  private enqueue(key: string): void {
    if (this.pending.has(key)) return;
    const handle = this.options.scheduler.after(
      this.options.delay ?? (0 as Nanos),
      () => {
        this.pending.delete(key);
        this.sync(key);
      },
      "control/deployment",
    );
    this.pending.set(key, handle);
  }
}
