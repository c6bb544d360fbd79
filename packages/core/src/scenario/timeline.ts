import { type KubeKind, loadObjects } from "../api/index.ts";
import { formatTimestamp, InputError } from "../engine/index.ts";
import type { SimCluster } from "./cluster.ts";
import { describeFault, isFaultAction, performFault } from "./faults.ts";
import type { TimelineAction } from "./schema.ts";

const KINDS: readonly KubeKind[] = ["Service", "EndpointSlice", "Pod", "Deployment", "Node"];

/**
 * Schedules each timeline action at its simulated time. An action whose
 * target does not exist when it runs is a scenario error naming the action.
 */
export function scheduleTimeline(cluster: SimCluster, file: string, timeline: readonly TimelineAction[]): void {
  timeline.forEach((action, i) => {
    const where = `${file}: timeline[${i}] (${action.action})`;
    cluster.scheduler.at(
      action.at,
      () => {
        cluster.tracer.emit({
          type: "action",
          t: cluster.scheduler.now,
          action: action.action,
          detail: describe(action),
        });
        perform(cluster, where, action);
      },
      "timeline",
    );
  });
}

function describe(action: TimelineAction): string {
  if (isFaultAction(action)) return describeFault(action);
  switch (action.action) {
    case "scale":
      return `deployment ${action.namespace}/${action.deployment} to ${action.replicas} replicas`;
    case "rollout":
      return `restart deployment ${action.namespace}/${action.deployment}`;
    case "delete-pod":
    case "set-ready":
      return `pod ${action.namespace}/${action.pod}${action.action === "set-ready" ? ` ready=${action.ready}` : ""}`;
    case "apply":
      return `${action.objects.length} object(s)`;
    case "delete":
      return `${action.kind} ${action.namespace}/${action.name}`;
  }
}

function need(cluster: SimCluster, where: string, kind: KubeKind, key: string): void {
  if (!cluster.store.get(kind, key)) throw new InputError([`${where}: ${kind} ${key} does not exist at this time`]);
}

function perform(cluster: SimCluster, where: string, action: TimelineAction): void {
  const { store, lifecycle, scheduler } = cluster;
  if (isFaultAction(action)) {
    performFault(cluster, where, action);
    return;
  }
  switch (action.action) {
    case "scale": {
      const key = `${action.namespace}/${action.deployment}`;
      need(cluster, where, "Deployment", key);
      store.patch("Deployment", key, (d) => void (d.spec.replicas = action.replicas), `scaled to ${action.replicas}`);
      return;
    }
    case "rollout": {
      // why: `kubectl rollout restart` sets this template annotation, which changes
      // the pod-template-hash and so starts a rolling update.
      const key = `${action.namespace}/${action.deployment}`;
      need(cluster, where, "Deployment", key);
      store.patch(
        "Deployment",
        key,
        (d) =>
          void (d.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"] = formatTimestamp(
            scheduler.now,
          )),
        "rollout restart",
      );
      return;
    }
    case "delete-pod": {
      const key = `${action.namespace}/${action.pod}`;
      need(cluster, where, "Pod", key);
      lifecycle.deletePod(key);
      return;
    }
    case "set-ready": {
      const key = `${action.namespace}/${action.pod}`;
      need(cluster, where, "Pod", key);
      lifecycle.setProbeResult(key, action.ready);
      return;
    }
    case "apply":
      applyObjects(cluster, where, action.objects);
      return;
    case "delete": {
      const kind = KINDS.find((k) => k === action.kind);
      if (!kind) throw new InputError([`${where}: kind must be one of ${KINDS.join(", ")}, got "${action.kind}"`]);
      const key = kind === "Node" ? action.name : `${action.namespace}/${action.name}`;
      need(cluster, where, kind, key);
      if (kind === "Pod") lifecycle.deletePod(key);
      else store.delete(kind, key);
      return;
    }
  }
}

/**
 * Applies objects mid-run (create or replace, like `kubectl apply`). New
 * Services get addresses that avoid every other existing one; a replaced
 * Service keeps its ClusterIP unless the new object names one.
 */
function applyObjects(cluster: SimCluster, where: string, values: readonly unknown[]): void {
  const keyOf = (v: unknown) => {
    const o = v as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    return o?.kind === "Service" ? `${o.metadata?.namespace ?? "default"}/${o.metadata?.name}` : undefined;
  };
  const replaced = new Set(values.map(keyOf));
  values = values.map((v) => keepClusterIP(cluster, v, keyOf(v)));
  const existing = cluster.store
    .list("Service")
    .filter((s) => !replaced.has(`${s.metadata.namespace}/${s.metadata.name}`));
  const { objects } = loadObjects(
    [
      ...existing.map((value) => ({ value, source: { file: `${where}: existing` } })),
      ...values.map((value, i) => ({ value, source: { file: `${where}: objects[${i}]` } })),
    ],
    { network: cluster.apiNetwork },
  );
  for (const object of objects.slice(existing.length)) cluster.store.apply(object);
}

/** An applied Service without a clusterIP keeps the one it has (the API server forbids changing it). */
function keepClusterIP(cluster: SimCluster, value: unknown, key: string | undefined): unknown {
  const current = key ? cluster.store.get("Service", key) : undefined;
  const v = value as { spec?: { clusterIP?: string } };
  if (!current?.spec.clusterIP || v?.spec?.clusterIP !== undefined) return value;
  return { ...v, spec: { ...v.spec, clusterIP: current.spec.clusterIP } };
}
