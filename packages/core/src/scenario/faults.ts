import type { Pod } from "../api/index.ts";
import type { Conntrack } from "../conntrack/index.ts";
import { isPodReady, POD_READY, withCondition } from "../control/index.ts";
import { type EventHandle, formatDuration, InputError, type Nanos } from "../engine/index.ts";
import type { FaultEvent } from "../trace/index.ts";
import { podKey, type SimCluster } from "./cluster.ts";
import type { TimelineAction } from "./schema.ts";

/** The timeline actions that inject faults. */
export type FaultAction = Extract<
  TimelineAction,
  {
    action:
      | "kill-proxy"
      | "restart-proxy"
      | "node-down"
      | "node-up"
      | "link"
      | "node-links"
      | "crash-pod"
      | "conntrack-flush";
  }
>;

const FAULTS: ReadonlySet<string> = new Set([
  "kill-proxy",
  "restart-proxy",
  "node-down",
  "node-up",
  "link",
  "node-links",
  "crash-pod",
  "conntrack-flush",
]);

/** True for a fault action. */
export function isFaultAction(action: TimelineAction): action is FaultAction {
  return FAULTS.has(action.action);
}

/** A node that went silent: what its kubelet last reported, and whether kube-proxy ran. */
interface Outage {
  /** Ready as last reported, by Pod key. */
  readonly ready: Map<string, boolean>;
  /** Pods the node lifecycle controller marked not ready. */
  readonly marked: Set<string>;
  readonly proxyWasRunning: boolean;
  timer: EventHandle | undefined;
}

const outages = new WeakMap<SimCluster, Map<string, Outage>>();

function outagesOf(cluster: SimCluster): Map<string, Outage> {
  let map = outages.get(cluster);
  if (!map) {
    map = new Map();
    outages.set(cluster, map);
  }
  return map;
}

/** A one-line description of a fault action for its `action` trace event. */
export function describeFault(action: FaultAction): string {
  switch (action.action) {
    case "kill-proxy":
    case "restart-proxy":
    case "node-down":
    case "node-up":
    case "conntrack-flush":
      return `node ${action.node}`;
    case "link":
      return `${action.a} <-> ${action.b}${linkText(action)}`;
    case "node-links":
      return `every link of ${action.node}${linkText(action)}`;
    case "crash-pod":
      return `pod ${action.namespace}/${action.pod}`;
  }
}

function linkText(change: { latency?: Nanos; loss?: number; up?: boolean }): string {
  const parts: string[] = [];
  if (change.latency !== undefined) parts.push(`latency ${formatDuration(change.latency)}`);
  if (change.loss !== undefined) parts.push(`loss ${change.loss}`);
  if (change.up !== undefined) parts.push(change.up ? "up" : "down");
  return parts.length > 0 ? `: ${parts.join(", ")}` : "";
}

/** Performs a fault action now. A target that is not there is a scenario error naming the action. */
export function performFault(cluster: SimCluster, where: string, action: FaultAction): void {
  switch (action.action) {
    case "kill-proxy": {
      const watch = watchOf(cluster, where, action.node);
      if (!watch.running) throw new InputError([`${where}: kube-proxy on ${action.node} is not running`]);
      // why: the rules stay in the kernel when the process dies; only their updates stop.
      watch.stop();
      fault(cluster, action.node, "proxy-killed", "rules frozen as last synced");
      return;
    }
    case "restart-proxy": {
      const watch = watchOf(cluster, where, action.node);
      if (watch.running) throw new InputError([`${where}: kube-proxy on ${action.node} is already running`]);
      restartProxy(cluster, action.node);
      return;
    }
    case "node-down":
      nodeDown(cluster, where, action.node);
      return;
    case "node-up":
      nodeUp(cluster, where, action.node);
      return;
    case "link": {
      changeLink(cluster, action.a, action.b, action);
      fault(cluster, action.a, "link", `${action.a} <-> ${action.b}${linkText(action)}`);
      return;
    }
    case "node-links": {
      for (const other of cluster.network.nodes())
        if (other.name !== action.node) changeLink(cluster, action.node, other.name, action);
      fault(cluster, action.node, "link", `every link of ${action.node}${linkText(action)}`);
      return;
    }
    case "crash-pod": {
      const key = `${action.namespace}/${action.pod}`;
      const pod = cluster.store.get("Pod", key);
      if (!pod) throw new InputError([`${where}: Pod ${key} does not exist at this time`]);
      // why: the sandbox and its processes are gone without SIGTERM or preStop; the
      // sockets vanish without a FIN (PodApps.crash), peers learn by timeouts.
      cluster.lifecycle.crash(key);
      fault(cluster, pod.spec.nodeName ?? "-", "pod-crashed", `${key}: no SIGTERM, no FIN`);
      return;
    }
    case "conntrack-flush": {
      const table = conntrackOf(cluster, where, action.node);
      const n = table.flush();
      fault(cluster, action.node, "conntrack-flush", `conntrack -F: ${n} entries deleted`);
      return;
    }
  }
}

function fault(cluster: SimCluster, node: string, kind: FaultEvent["fault"], detail: string): void {
  cluster.tracer.emit({ type: "fault", t: cluster.scheduler.now, node, fault: kind, detail });
}

function watchOf(cluster: SimCluster, where: string, node: string) {
  const watch = cluster.watches.get(node);
  if (!watch) throw new InputError([`${where}: no node named "${node}"`]);
  return watch;
}

/** The node's conntrack table (iptables mode keeps one). */
export function conntrackOf(cluster: SimCluster, where: string, node: string): Conntrack {
  const proxy = cluster.network.node(node).proxy as { conntrack?: Conntrack };
  if (!proxy.conntrack) {
    throw new InputError([`${where}: node ${node} keeps no conntrack table (proxy mode ${cluster.spec.proxy.mode})`]);
  }
  return proxy.conntrack;
}

/**
 * kube-proxy starts: a fresh LIST, seen one watch delay later, then a full
 * sync. The iptables proxier's conntrack cleanup runs after that sync as after
 * every other one, so UDP entries that went stale while it was dead (their
 * DNAT target no longer a serving endpoint) are deleted then; TCP entries are
 * left alone. Real kube-proxy does not flush the whole table at startup.
 */
// why: pkg/proxy/iptables/proxier.go syncProxyRules ends with
// conntrack.CleanStaleEntries (pkg/proxy/conntrack/cleanup.go), which lists the
// table and deletes UDP entries for Service IPs/NodePorts whose endpoint is not
// serving; a new proxier starts with needFullSync = true.
function restartProxy(cluster: SimCluster, node: string): void {
  cluster.watches.get(node)?.start();
  const delay = formatDuration(cluster.spec.proxy.watchDelay);
  fault(cluster, node, "proxy-restarted", `LIST, full sync and UDP conntrack cleanup in ${delay}`);
}

function changeLink(
  cluster: SimCluster,
  a: string,
  b: string,
  change: { latency?: Nanos; loss?: number; up?: boolean },
): void {
  const link = cluster.network.fabric.link(a, b);
  if (change.latency !== undefined) link.setLatency(change.latency);
  if (change.loss !== undefined) link.setLoss(change.loss);
  if (change.up !== undefined) link.setUp(change.up);
}

const podsOn = (cluster: SimCluster, node: string): Pod[] =>
  cluster.store.list("Pod").filter((p) => p.spec.nodeName === node);

/**
 * The node stops answering (powered off, hung or cut off: from the rest of
 * the cluster these look the same). Every packet it would receive or send
 * is dropped as `node-down`; its kube-proxy stops syncing; its kubelet stops
 * reporting, so its Pods keep their last status. After the node monitor
 * grace period the node lifecycle controller marks those Pods not ready,
 * and the EndpointSlice controller marks their endpoints not ready.
 */
// why: pkg/controller/nodelifecycle node_lifecycle_controller.go monitorNodeHealth —
// no heartbeat (NodeStatus / Lease) for nodeMonitorGracePeriod → Ready Unknown →
// MarkPodsNotReady (pkg/controller/util/node). Simplified: the controller's 5 s
// monitor period and the kubelet's 10 s lease renewals are not modelled, so the
// marking happens exactly grace period after the fault; the NoExecute taint's
// 300 s eviction (DefaultTolerationSeconds) is not modelled either.
function nodeDown(cluster: SimCluster, where: string, node: string): void {
  const map = outagesOf(cluster);
  if (map.has(node)) throw new InputError([`${where}: node ${node} is already down`]);
  const watch = watchOf(cluster, where, node);
  const outage: Outage = { ready: new Map(), marked: new Set(), proxyWasRunning: watch.running, timer: undefined };
  map.set(node, outage);
  cluster.network.setNodeUp(node, false);
  watch.stop();
  for (const pod of podsOn(cluster, node)) {
    const key = podKey(pod);
    outage.ready.set(key, isPodReady(pod));
    // The kubelet's probes no longer reach the API: its last report stands.
    cluster.lifecycle.setProbeResult(key, isPodReady(pod));
  }
  const grace = cluster.spec.nodeMonitorGracePeriod;
  outage.timer = cluster.scheduler.after(grace, () => markNotReady(cluster, node, outage), "control/node-lifecycle");
  fault(cluster, node, "node-down", `${outage.ready.size} Pods silent; not ready in ${formatDuration(grace)}`);
}

function markNotReady(cluster: SimCluster, node: string, outage: Outage): void {
  outage.timer = undefined;
  for (const pod of podsOn(cluster, node)) {
    if (!isPodReady(pod)) continue;
    const key = podKey(pod);
    outage.marked.add(key);
    cluster.lifecycle.setProbeResult(key, false);
    cluster.store.patch(
      "Pod",
      key,
      (draft) => void (draft.status.conditions = withCondition(draft.status.conditions, POD_READY, "False")),
      "not ready (NodeNotReady)",
    );
  }
  fault(cluster, node, "node-not-ready", `${outage.marked.size} Pods marked not ready`);
}

/**
 * The node answers again: its kubelet reports the status it kept (the Pods
 * it saw ready are Ready again), and its kube-proxy, if it was running,
 * LISTs and fully resyncs. Processes and conntrack entries survived (the
 * model is an outage of the node's network, not a reboot).
 */
function nodeUp(cluster: SimCluster, where: string, node: string): void {
  const map = outagesOf(cluster);
  const outage = map.get(node);
  if (!outage) throw new InputError([`${where}: node ${node} is not down`]);
  map.delete(node);
  if (outage.timer) cluster.scheduler.cancel(outage.timer);
  cluster.network.setNodeUp(node, true);
  let restored = 0;
  for (const [key, ready] of outage.ready) {
    if (!cluster.store.get("Pod", key)) continue;
    cluster.lifecycle.setProbeResult(key, undefined);
    if (!outage.marked.has(key) || !ready) continue;
    restored++;
    cluster.store.patch(
      "Pod",
      key,
      (draft) => void (draft.status.conditions = withCondition(draft.status.conditions, POD_READY, "True")),
      "ready (kubelet reports again)",
    );
  }
  if (outage.proxyWasRunning) cluster.watches.get(node)?.start();
  fault(
    cluster,
    node,
    "node-up",
    `${restored} Pods ready again${outage.proxyWasRunning ? ", kube-proxy resyncs" : ""}`,
  );
}
