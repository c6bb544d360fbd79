import { type EndpointSlice, MANAGED_BY_LABEL, type Pod, SERVICE_NAME_LABEL, type Service } from "../api/index.ts";
import type { EventHandle, Nanos, Rng, Scheduler } from "../engine/index.ts";
import { ENDPOINTSLICE_CONTROLLER_NAME } from "./endpoints.ts";
import { compareStrings, objectKey, selectorMatches } from "./objects.ts";
import { randomSuffix } from "./podnames.ts";
import { reconcileSlices } from "./slicereconcile.ts";
import type { ApiStore, WatchEvent } from "./store.ts";

/** How the EndpointSlice controller is wired and tuned. */
export interface EndpointSliceControllerOptions {
  readonly store: ApiStore;
  readonly scheduler: Scheduler;
  /** Slice names draw their suffix from `rng.stream("control/endpointslice/<ns>/<service>")`. */
  readonly rng: Rng;
  /** At most this many endpoints per slice. Default 100. */
  // why: kube-controller-manager --max-endpoints-per-slice defaults to 100
  // (pkg/controller/endpointslice/config/v1alpha1/defaults.go).
  readonly maxEndpointsPerSlice?: number;
  /**
   * Delay between a relevant change and the reconcile of the affected Service.
   * Changes within the delay are reconciled together. Default 0: the reconcile
   * runs as a separate event at the same simulated instant.
   */
  // why: the real controller queues Service keys in a workqueue and syncs them from
  // worker goroutines, batching Pod updates by --endpointslice-updates-batch-period
  // (default 0); a per-key delay is our simplification of that queue.
  readonly delay?: Nanos;
  /** The PreferSameTrafficDistribution gate (PreferSameZone / PreferSameNode honoured). Default true. */
  // why: beta and on by default since Kubernetes 1.34.
  readonly preferSameTrafficDistribution?: boolean;
}

/**
 * The EndpointSlice controller: keeps, for every Service with a selector, its
 * EndpointSlices equal to the Pods it selects. Services without a selector
 * (and ExternalName Services) are left alone, so user-supplied slices stay
 * untouched. When a Service is deleted its managed slices are removed at once
 * (the garbage collector's job through ownerReferences in a real cluster).
 */
export class EndpointSliceController {
  private readonly pending = new Map<string, EventHandle>();
  /** Services whose slices carry topology-mode hints (the topology cache's hintsPopulatedByService). */
  private readonly hintsPopulated = new Set<string>();
  private readonly maxEndpoints: number;
  private readonly delay: Nanos;
  private readonly unwatch: () => void;

  constructor(private readonly options: EndpointSliceControllerOptions) {
    this.maxEndpoints = options.maxEndpointsPerSlice ?? 100;
    this.delay = options.delay ?? (0 as Nanos);
    if (!(Number.isInteger(this.maxEndpoints) && this.maxEndpoints >= 1)) {
      throw new RangeError(`maxEndpointsPerSlice must be a positive integer, got ${this.maxEndpoints}`);
    }
    this.unwatch = options.store.watch((event) => this.onEvent(event));
    for (const svc of options.store.list("Service")) this.enqueue(objectKey(svc.metadata));
  }

  /** Stops watching (pending reconciles are cancelled). */
  close(): void {
    this.unwatch();
    for (const handle of this.pending.values()) this.options.scheduler.cancel(handle);
    this.pending.clear();
  }

  /** Reconciles one Service now (`namespace/name`). */
  reconcile(serviceKey: string): void {
    const { store } = this.options;
    const service = store.get("Service", serviceKey);
    if (!service) {
      this.hintsPopulated.delete(serviceKey);
      for (const slice of this.managedSlices(serviceKey)) store.delete("EndpointSlice", objectKey(slice.metadata));
      return;
    }
    // why: endpointslice_controller.go syncService — ExternalName Services and Services
    // without a selector receive no EndpointSlices from this controller.
    if (service.spec.type === "ExternalName" || service.spec.selector === undefined) return;
    const selector = service.spec.selector;
    const pods = store
      .list("Pod", service.metadata.namespace)
      .filter((p) => selectorMatches(selector, p.metadata.labels));
    const changes = reconcileSlices({
      service,
      pods,
      node: (name) => store.get("Node", name),
      existing: this.managedSlices(serviceKey),
      maxEndpointsPerSlice: this.maxEndpoints,
      newName: () => this.newSliceName(service),
      nodes: store.list("Node"),
      hintsPopulated: this.hintsPopulated.has(serviceKey),
      ...(this.options.preferSameTrafficDistribution !== undefined
        ? { preferSameTrafficDistribution: this.options.preferSameTrafficDistribution }
        : {}),
    });
    if (changes.hintsPopulated) this.hintsPopulated.add(serviceKey);
    else this.hintsPopulated.delete(serviceKey);
    // why: the real controller records these as Events on the Service; svcsim has no Event
    // kind, so they ride on the notes of this reconcile's slice writes (none when nothing is written).
    const events = changes.hintEvents.map((e) => `; ${e.reason}: ${e.message}`).join("");
    for (const slice of changes.create) store.create(slice, endpointsNote(slice) + events);
    for (const slice of changes.update) store.update(slice, endpointsNote(slice) + events);
    for (const slice of changes.delete) store.delete("EndpointSlice", objectKey(slice.metadata));
  }

  private onEvent(event: WatchEvent): void {
    switch (event.kind) {
      case "Service":
        this.enqueue(event.key);
        return;
      case "Pod":
        for (const key of this.servicesFor(event.object, event.old)) this.enqueue(key);
        return;
      case "Node":
        // why: Pods on an unknown Node are skipped and retried; a Node's zone label feeds
        // endpoint zones. Re-examine every selector Service when a Node changes.
        for (const svc of this.options.store.list("Service"))
          if (svc.spec.selector) this.enqueue(objectKey(svc.metadata));
        return;
      case "EndpointSlice": {
        // why: endpointslice_controller.go onEndpointSlice* — a managed slice changed by
        // someone else requeues its Service, which rewrites it.
        const service = event.object.metadata.labels[SERVICE_NAME_LABEL];
        if (service && event.object.metadata.labels[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME) {
          this.enqueue(`${event.object.metadata.namespace}/${service}`);
        }
        return;
      }
      case "Deployment":
        return;
    }
  }

  /** Services whose selector matches the Pod now or matched it before the change. */
  // why: endpointslice/util GetPodUpdateProjectionKey / GetServicesToUpdate.
  private servicesFor(pod: Pod, old: Pod | undefined): string[] {
    const out: string[] = [];
    for (const svc of this.options.store.list("Service", pod.metadata.namespace)) {
      const sel = svc.spec.selector;
      if (!sel) continue;
      if (selectorMatches(sel, pod.metadata.labels) || (old && selectorMatches(sel, old.metadata.labels))) {
        out.push(objectKey(svc.metadata));
      }
    }
    return out;
  }

  private managedSlices(serviceKey: string) {
    const [namespace, name] = serviceKey.split("/") as [string, string];
    return this.options.store
      .list("EndpointSlice", namespace)
      .filter(
        (s) =>
          s.metadata.labels[SERVICE_NAME_LABEL] === name &&
          s.metadata.labels[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME,
      );
  }

  /** `<service>-<5 random chars>`, as the API server completes `generateName`. */
  // why: endpointslice utils.go newEndpointSlice sets GenerateName "<service>-"; the
  // API server appends utilrand.String(5) (apiserver names.SimpleNameGenerator).
  private newSliceName(service: Service): string {
    const { namespace, name } = service.metadata;
    const stream = this.options.rng.stream(`control/endpointslice/${namespace}/${name}`);
    for (;;) {
      const candidate = `${name}-${randomSuffix(stream)}`;
      if (!this.options.store.get("EndpointSlice", `${namespace}/${candidate}`)) return candidate;
    }
  }

  private enqueue(key: string): void {
    if (this.pending.has(key)) return;
    const handle = this.options.scheduler.after(
      this.delay,
      () => {
        this.pending.delete(key);
        this.reconcile(key);
      },
      "control/endpointslice",
    );
    this.pending.set(key, handle);
  }
}

/** `3 endpoints`, plus the zones hinted (`hints zone-a×2 zone-c×1`) when any endpoint has one. */
function endpointsNote(slice: EndpointSlice): string {
  const count = slice.endpoints.length;
  const base = count === 1 ? "1 endpoint" : `${count} endpoints`;
  const byZone = new Map<string, number>();
  for (const ep of slice.endpoints)
    for (const z of ep.hints?.forZones ?? []) byZone.set(z.name, (byZone.get(z.name) ?? 0) + 1);
  if (byZone.size === 0) return base;
  const zones = [...byZone.keys()].sort(compareStrings).map((z) => `${z}×${byZone.get(z)}`);
  return `${base}, hints ${zones.join(" ")}`;
}
