import type { EndpointSlice, Service } from "../api/index.ts";
import type { EndpointsMap } from "./endpoint.ts";
import { sliceServiceName } from "./endpoint.ts";
import { EndpointsChangeTracker } from "./endpoints-change-tracker.ts";
import { ServiceChangeTracker, type ServicePortMap } from "./service-change-tracker.ts";
import type { ProxyView } from "./types.ts";

/** What one {@link ProxyState.apply} changed. */
export interface ProxyStateUpdate {
  /** `namespace/name` of Services whose Service object or EndpointSlices changed. */
  readonly updatedServices: ReadonlySet<string>;
}

/**
 * A node proxy's model of the Services it proxies: the service port map and
 * the endpoints map every mode programs from, plus the change trackers that
 * tell a partial sync which Services changed. Fed with whole {@link ProxyView}
 * snapshots, which it turns into the add/update/delete events kube-proxy's
 * informers would have delivered.
 */
export class ProxyState {
  /** Service ports, keyed by `servicePortKey`. */
  readonly services: ServicePortMap = new Map();
  /** Endpoints per service port, keyed by `servicePortKey`. */
  readonly endpoints: EndpointsMap = new Map();
  private readonly serviceChanges = new ServiceChangeTracker();
  private readonly endpointsChanges: EndpointsChangeTracker;
  private seenServices = new Map<string, Service>();
  private seenSlices = new Map<string, EndpointSlice>();

  /** @param nodeName this node's name, which decides each endpoint's `isLocal`. */
  constructor(readonly nodeName: string) {
    this.endpointsChanges = new EndpointsChangeTracker(nodeName);
  }

  /** Feeds a view snapshot: every Service or slice that differs from the last one observed is an event. */
  observe(view: ProxyView): void {
    for (const [key, prev] of this.seenServices) {
      if (!view.services.has(key)) this.serviceChanges.update(prev, undefined);
    }
    for (const [key, cur] of view.services) {
      const prev = this.seenServices.get(key);
      if (prev !== cur) this.serviceChanges.update(prev, cur);
    }
    for (const [key, prev] of this.seenSlices) {
      const cur = view.endpointSlices.get(key);
      // A slice that moved to another Service is a delete from the old one.
      if (cur === undefined || sliceServiceName(cur) !== sliceServiceName(prev)) {
        this.endpointsChanges.endpointSliceUpdate(prev, true);
      }
    }
    for (const [key, cur] of view.endpointSlices) {
      if (this.seenSlices.get(key) !== cur) this.endpointsChanges.endpointSliceUpdate(cur, false);
    }
    this.seenServices = new Map(view.services);
    this.seenSlices = new Map(view.endpointSlices);
  }

  /** True when observed changes have not been applied yet. */
  get hasPendingChanges(): boolean {
    return this.serviceChanges.pending > 0 || this.endpointsChanges.pending > 0;
  }

  /**
   * Applies pending changes to {@link services} and {@link endpoints}
   * (kube-proxy does this at the start of every sync) and says which
   * Services changed.
   */
  apply(): ProxyStateUpdate {
    const updated = this.serviceChanges.applyTo(this.services);
    for (const name of this.endpointsChanges.applyTo(this.endpoints)) updated.add(name);
    return { updatedServices: updated };
  }
}
