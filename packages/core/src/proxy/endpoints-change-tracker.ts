import type { EndpointSlice } from "../api/index.ts";
import { deepEqual } from "./deep-equal.ts";
import { type EndpointsMap, endpointsFromSlices, sliceServiceName } from "./endpoint.ts";

interface SliceData {
  readonly slice: EndpointSlice;
  readonly remove: boolean;
}

interface SliceTracker {
  readonly applied: Map<string, SliceData>;
  readonly pending: Map<string, SliceData>;
}

function appliedSlices(tracker: SliceTracker): Map<string, EndpointSlice> {
  const out = new Map<string, EndpointSlice>();
  for (const [name, data] of tracker.applied) out.set(name, data.slice);
  return out;
}

/**
 * Accumulates EndpointSlice changes between syncs, per Service and per slice
 * (kube-proxy endpointschangetracker.go + endpointslicecache.go): slices are
 * kept per slice name because an endpoint may move between slices.
 */
export class EndpointsChangeTracker {
  private trackers = new Map<string, SliceTracker>();

  /** @param nodeName this node, for each endpoint's `isLocal`. */
  constructor(private readonly nodeName: string) {}

  /**
   * Records an added/updated slice, or a deleted one when `remove`. Returns
   * true when this update needs a sync.
   */
  endpointSliceUpdate(slice: EndpointSlice, remove: boolean): boolean {
    // why: EndpointSliceUpdate ignores address types other than the proxier's family (FQDN, and
    // IPv6 for the IPv4 proxier svcsim models).
    if (slice.addressType !== "IPv4") return false;
    const service = sliceServiceName(slice);
    if (service === undefined) return false;
    let tracker = this.trackers.get(service);
    if (!tracker) this.trackers.set(service, (tracker = { applied: new Map(), pending: new Map() }));
    const data: SliceData = { slice, remove };
    const name = slice.metadata.name;
    // why: esDataChanged compares with the pending value if any, else the applied one; removing
    // a slice the cache never saw is no change.
    const known = tracker.pending.get(name) ?? tracker.applied.get(name);
    const changed = known ? !deepEqual(known, data) : !remove;
    if (changed) tracker.pending.set(name, data);
    return changed;
  }

  /** Number of Services with pending slice changes. */
  get pending(): number {
    let n = 0;
    for (const t of this.trackers.values()) if (t.pending.size > 0) n++;
    return n;
  }

  /**
   * Applies pending changes to `map` and clears them (kube-proxy
   * `EndpointsMap.Update`). Returns the `namespace/name` of every Service
   * whose slices changed — even when its computed endpoints did not.
   */
  applyTo(map: EndpointsMap): Set<string> {
    const updated = new Set<string>();
    for (const [service, tracker] of [...this.trackers].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (tracker.pending.size === 0) continue;
      const previous = endpointsFromSlices(service, appliedSlices(tracker), this.nodeName);
      for (const [name, data] of tracker.pending) {
        if (data.remove) tracker.applied.delete(name);
        else tracker.applied.set(name, data);
      }
      tracker.pending.clear();
      if (tracker.applied.size === 0) this.trackers.delete(service);
      const current = endpointsFromSlices(service, appliedSlices(tracker), this.nodeName);
      // why: EndpointsMap.Update unmerges `previous` then merges `current`.
      for (const k of previous.keys()) map.delete(k);
      for (const [k, v] of current) map.set(k, v);
      updated.add(service);
    }
    return updated;
  }
}
