import type { Service } from "../api/index.ts";
import { deepEqual } from "./deep-equal.ts";
import { type ServicePortInfo, servicePortKey, servicePortsOf } from "./service-port.ts";

/** Service ports keyed by {@link servicePortKey}. */
export type ServicePortMap = Map<string, ServicePortInfo>;

function portMapOf(svc: Service | undefined): ServicePortMap {
  const out: ServicePortMap = new Map();
  for (const info of servicePortsOf(svc)) out.set(servicePortKey(info.name), info);
  return out;
}

function sameMap(a: ServicePortMap, b: ServicePortMap): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!deepEqual(v, b.get(k))) return false;
  return true;
}

interface ServiceChange {
  previous: ServicePortMap;
  current: ServicePortMap;
}

/**
 * Accumulates Service changes between syncs (kube-proxy
 * servicechangetracker.go `ServiceChangeTracker`): for each Service, the port
 * map before the first unsynced change and after the last one. A change that
 * is undone before the next sync disappears.
 */
export class ServiceChangeTracker {
  private items = new Map<string, ServiceChange>();

  /**
   * Records that a Service went from `previous` to `current` (either may be
   * undefined, for an add or a delete). Returns true when changes are pending.
   */
  update(previous: Service | undefined, current: Service | undefined): boolean {
    const svc = current ?? previous;
    if (svc === undefined) return this.items.size > 0;
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    let change = this.items.get(key);
    if (!change) {
      change = { previous: portMapOf(previous), current: new Map() };
      this.items.set(key, change);
    }
    change.current = portMapOf(current);
    // why: Update() deletes the item when reflect.DeepEqual(previous, current): no net change.
    if (sameMap(change.previous, change.current)) this.items.delete(key);
    return this.items.size > 0;
  }

  /** Number of Services with pending changes. */
  get pending(): number {
    return this.items.size;
  }

  /**
   * Applies the pending changes to `map` and clears them (kube-proxy
   * `ServicePortMap.Update`). Returns the `namespace/name` of every Service
   * added, updated or deleted since the last call.
   */
  applyTo(map: ServicePortMap): Set<string> {
    const updated = new Set<string>();
    for (const [name, change] of this.items) {
      updated.add(name);
      for (const [k, v] of change.current) map.set(k, v);
      // why: ServicePortMap.Update filters ports still present from `previous` before unmerging,
      // so an updated port is replaced, not deleted.
      for (const k of change.previous.keys()) if (!change.current.has(k)) map.delete(k);
    }
    this.items.clear();
    return updated;
  }
}
