import { type EndpointSlice, SERVICE_NAME_LABEL, type Service } from "../api/index.ts";
import { type ApiStore, compareStrings, objectKey, type WatchEvent } from "../control/index.ts";
import type { Nanos, Scheduler } from "../engine/index.ts";

/** What CoreDNS's kubernetes plugin reads: Services, their EndpointSlices, and which namespaces exist. */
export interface DnsView {
  /** The Service `namespace/name`, case-insensitively, if seen. */
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices labelled for the Service, sorted by name. */
  slices(namespace: string, service: string): readonly EndpointSlice[];
  /** True when the namespace exists. */
  namespaceExists(namespace: string): boolean;
}

/** Namespaces every cluster has from the start (kube-apiserver's system namespaces). */
// why: the apiserver's systemnamespaces controller creates default, kube-system,
// kube-public and kube-node-lease; CoreDNS's namespaceExposed requires the namespace to exist.
export const SYSTEM_NAMESPACES: readonly string[] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/** How to build an informer. */
export interface DnsInformerOptions {
  store: ApiStore;
  scheduler: Scheduler;
  /** How long a change takes to reach CoreDNS's informer cache (0: at once). */
  watchDelay: Nanos;
}

/**
 * CoreDNS's informer cache: the Services and EndpointSlices it has *seen*,
 * each change applied `watchDelay` after the API write, in write order. It
 * starts from a LIST of the store when built, as an informer does.
 *
 * Simplified: svcsim has no Namespace objects, so a namespace exists when it
 * is a system namespace or holds a Service, an EndpointSlice or a Pod the
 * informer has seen.
 */
// why: CoreDNS's dnsControl runs client-go informers on Services and EndpointSlices
// (plugin/kubernetes/controller.go); answers come from that cache, not the API server,
// so they lag the API by the watch latency.
export class DnsInformer implements DnsView {
  private readonly services = new Map<string, Service>();
  private readonly slicesByKey = new Map<string, EndpointSlice>();
  private readonly namespaces = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(private readonly o: DnsInformerOptions) {
    for (const svc of o.store.list("Service")) this.put(svc);
    for (const slice of o.store.list("EndpointSlice")) this.put(slice);
    for (const pod of o.store.list("Pod")) this.count(pod.metadata.namespace, 1);
    this.unsubscribe = o.store.watch((event) => this.onEvent(event));
  }

  /** Stops watching. */
  stop(): void {
    this.unsubscribe();
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(`${namespace.toLowerCase()}/${name.toLowerCase()}`);
  }

  slices(namespace: string, service: string): readonly EndpointSlice[] {
    const ns = namespace.toLowerCase();
    const name = service.toLowerCase();
    const out: EndpointSlice[] = [];
    for (const key of [...this.slicesByKey.keys()].sort(compareStrings)) {
      const slice = this.slicesByKey.get(key) as EndpointSlice;
      if (slice.metadata.namespace === ns && slice.metadata.labels[SERVICE_NAME_LABEL]?.toLowerCase() === name) {
        out.push(slice);
      }
    }
    return out;
  }

  namespaceExists(namespace: string): boolean {
    const ns = namespace.toLowerCase();
    return SYSTEM_NAMESPACES.includes(ns) || (this.namespaces.get(ns) ?? 0) > 0;
  }

  private onEvent(event: WatchEvent): void {
    if (event.kind !== "Service" && event.kind !== "EndpointSlice" && event.kind !== "Pod") return;
    if (this.o.watchDelay === 0) this.apply(event);
    else this.o.scheduler.after(this.o.watchDelay, () => this.apply(event), "dns/informer");
  }

  private apply(event: WatchEvent): void {
    if (event.kind === "Pod") {
      if (event.verb === "create") this.count(event.object.metadata.namespace, 1);
      else if (event.verb === "delete") this.count(event.object.metadata.namespace, -1);
      return;
    }
    if (event.kind !== "Service" && event.kind !== "EndpointSlice") return;
    if (event.verb === "delete") this.remove(event.object);
    else if (event.verb === "create") this.put(event.object);
    else this.replace(event.object);
  }

  private put(object: Service | EndpointSlice): void {
    this.table(object).set(objectKey(object.metadata), object as never);
    this.count(object.metadata.namespace, 1);
  }

  private replace(object: Service | EndpointSlice): void {
    const table = this.table(object);
    const key = objectKey(object.metadata);
    if (!table.has(key)) this.count(object.metadata.namespace, 1);
    table.set(key, object as never);
  }

  private remove(object: Service | EndpointSlice): void {
    if (this.table(object).delete(objectKey(object.metadata))) this.count(object.metadata.namespace, -1);
  }

  private table(object: Service | EndpointSlice): Map<string, Service | EndpointSlice> {
    return (object.kind === "Service" ? this.services : this.slicesByKey) as Map<string, Service | EndpointSlice>;
  }

  private count(namespace: string, delta: number): void {
    this.namespaces.set(namespace, (this.namespaces.get(namespace) ?? 0) + delta);
  }
}
