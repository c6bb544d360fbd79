import type { Node, Pod } from "../api/index.ts";
import type { EventHandle, Nanos, Scheduler } from "../engine/index.ts";
import { cidrContains, formatIPv4, HostLocalIpam, parseCidr, tryParseIPv4 } from "../net/index.ts";
import { compareStrings, objectKey } from "./objects.ts";
import { isPodTerminal, isPodTerminating, withCondition } from "./pods.ts";
import type { ApiStore, WatchEvent } from "./store.ts";

/** How Pod placement is wired. */
export interface PodSchedulerOptions {
  readonly store: ApiStore;
  readonly scheduler: Scheduler;
  /** Delay between a Pod (or Node) change and the placement round. Default 0 (same instant, separate event). */
  readonly delay?: Nanos;
}

/** A Node's InternalIP, if it has one. */
export function nodeInternalIP(node: Node): string | undefined {
  return node.status.addresses.find((a) => a.type === "InternalIP")?.address;
}

/**
 * Places Pods and gives them addresses. A Pod without `spec.nodeName` goes to
 * the schedulable Node with the fewest Pods, ties broken by Node name — a
 * deterministic stand-in for kube-scheduler's filter and score plugins
 * (NodeResourcesFit, spreading, affinity are not modelled). A bound Pod then
 * gets its `hostIP` (the Node's InternalIP) and its `podIP`: the host IP for
 * `hostNetwork` Pods, otherwise the next free address of the Node's podCIDR
 * from host-local IPAM. In a real cluster the kubelet asks the CNI for that
 * address when it creates the Pod sandbox; it is done here at binding time.
 * Addresses are released when the Pod object is removed.
 */
export class PodScheduler {
  private readonly ipams = new Map<string, HostLocalIpam>();
  /** podKey → [node, ip] of addresses handed out from a podCIDR. */
  private readonly leases = new Map<string, [string, string]>();
  private pending: EventHandle | undefined;
  private readonly unwatch: () => void;

  constructor(private readonly options: PodSchedulerOptions) {
    for (const pod of options.store.list("Pod")) this.reserve(pod);
    this.unwatch = options.store.watch((event) => this.onEvent(event));
    this.enqueue();
  }

  /** Stops watching. */
  close(): void {
    this.unwatch();
    this.options.scheduler.cancel(this.pending);
  }

  /** Binds and addresses every Pod that needs it, in key order. */
  placeAll(): void {
    const { store } = this.options;
    const nodes = store.list("Node");
    const counts = new Map<string, number>(nodes.map((n) => [n.metadata.name, 0]));
    const pods = store.list("Pod");
    for (const pod of pods) {
      if (pod.spec.nodeName && !isPodTerminal(pod))
        counts.set(pod.spec.nodeName, (counts.get(pod.spec.nodeName) ?? 0) + 1);
    }
    for (const pod of pods) {
      if (isPodTerminal(pod) || isPodTerminating(pod)) continue;
      if (pod.spec.nodeName && pod.status.podIP) continue;
      const nodeName = pod.spec.nodeName ?? this.pickNode(nodes, counts);
      const node = nodeName ? store.get("Node", nodeName) : undefined;
      if (!node) continue;
      if (!pod.spec.nodeName) counts.set(node.metadata.name, (counts.get(node.metadata.name) ?? 0) + 1);
      this.bind(pod, node);
    }
  }

  /** The least-loaded schedulable Node, ties by name. */
  // why: kube-scheduler filters out spec.unschedulable Nodes (NodeUnschedulable plugin);
  // "fewest Pods first" is a simplification of its scoring.
  private pickNode(nodes: readonly Node[], counts: ReadonlyMap<string, number>): string | undefined {
    let best: Node | undefined;
    for (const node of nodes) {
      if (node.spec.unschedulable) continue;
      if (!best) best = node;
      else {
        const c = counts.get(node.metadata.name) ?? 0;
        const b = counts.get(best.metadata.name) ?? 0;
        if (c < b || (c === b && compareStrings(node.metadata.name, best.metadata.name) < 0)) best = node;
      }
    }
    return best?.metadata.name;
  }

  private bind(pod: Pod, node: Node): void {
    const hostIP = nodeInternalIP(node);
    const podIP = pod.spec.hostNetwork ? hostIP : this.allocate(objectKey(pod.metadata), node);
    const first = !pod.spec.nodeName;
    this.options.store.patch(
      "Pod",
      objectKey(pod.metadata),
      (draft) => {
        draft.spec.nodeName = node.metadata.name;
        if (hostIP !== undefined) draft.status.hostIP = hostIP;
        if (podIP !== undefined) draft.status.podIP = podIP;
        draft.status.conditions = withCondition(draft.status.conditions, "PodScheduled", "True");
      },
      first ? `scheduled to ${node.metadata.name}` : `address ${podIP ?? "none"}`,
    );
  }

  private allocate(podKey: string, node: Node): string | undefined {
    const ipam = this.ipamFor(node);
    if (!ipam) return undefined;
    const ip = formatIPv4(ipam.allocate());
    this.leases.set(podKey, [node.metadata.name, ip]);
    return ip;
  }

  private ipamFor(node: Node): HostLocalIpam | undefined {
    const name = node.metadata.name;
    let ipam = this.ipams.get(name);
    const cidr = node.spec.podCIDR ?? node.spec.podCIDRs?.[0];
    if (!ipam && cidr) this.ipams.set(name, (ipam = new HostLocalIpam(parseCidr(cidr))));
    return ipam;
  }

  /** Marks a Pod's existing address as used (a manifest that names its podIP). */
  private reserve(pod: Pod): void {
    const key = objectKey(pod.metadata);
    if (!pod.spec.nodeName || !pod.status.podIP || pod.spec.hostNetwork || this.leases.has(key)) return;
    const node = this.options.store.get("Node", pod.spec.nodeName);
    const ipam = node ? this.ipamFor(node) : undefined;
    const ip = tryParseIPv4(pod.status.podIP);
    if (!ipam || ip === undefined || !cidrContains(ipam.range, ip)) return;
    ipam.reserve(ip);
    this.leases.set(key, [pod.spec.nodeName, pod.status.podIP]);
  }

  private onEvent(event: WatchEvent): void {
    if (event.kind === "Node") {
      if (event.verb === "delete") this.ipams.delete(event.key);
      this.enqueue();
    } else if (event.kind === "Pod") {
      if (event.verb === "delete") this.release(event.key);
      else {
        this.reserve(event.object);
        if (!event.object.status.podIP && !isPodTerminating(event.object)) this.enqueue();
      }
    }
  }

  private release(podKey: string): void {
    const lease = this.leases.get(podKey);
    if (!lease) return;
    this.leases.delete(podKey);
    const ip = tryParseIPv4(lease[1]);
    if (ip !== undefined) this.ipams.get(lease[0])?.release(ip);
  }

  private enqueue(): void {
    if (this.pending && !this.pending.done) return;
    this.pending = this.options.scheduler.after(
      this.options.delay ?? (0 as Nanos),
      () => this.placeAll(),
      "control/scheduler",
    );
  }
}
