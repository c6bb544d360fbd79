import { type Endpoint, type EndpointSlice, type Node, ZONE_LABEL } from "../api/index.ts";
import { compareStrings } from "./objects.ts";
import { givingAndReceivingZones, redistributeHints } from "./topology-redistribute.ts";

/**
 * The EndpointSlice controller's topology cache (`service.kubernetes.io/topology-mode: Auto`):
 * endpoints are hinted to zones in proportion to each zone's allocatable CPU.
 * Follows k8s.io/endpointslice topologycache/{topologycache,utils,sliceinfo}.go.
 *
 * Simplified: our Node objects carry no Ready condition (every node counts as
 * ready), and a Node without `status.allocatable.cpu` counts as 1 CPU (svcsim's
 * scenario nodes model no capacity); a Node whose `cpu` is present but zero or
 * not a plain/milli quantity counts as "no CPU", as in the real cache. Where Go
 * iterates a map (ties in getMost, the receiving zone in redistributeHints),
 * zones are taken in name order.
 */

/** The current annotation that turns topology-aware routing on. */
export const TOPOLOGY_MODE_ANNOTATION = "service.kubernetes.io/topology-mode";
/** The deprecated annotation; it wins over {@link TOPOLOGY_MODE_ANNOTATION} when both are set. */
export const TOPOLOGY_AWARE_HINTS_ANNOTATION = "service.kubernetes.io/topology-aware-hints";
/** The most overload any one endpoint should see: a zone gets at least desired / (1 + 0.2) endpoints. */
// why: topologycache.go `overloadThreshold float64 = 0.2`.
export const OVERLOAD_THRESHOLD = 0.2;

/** Why the controller enabled or dropped hints; the names of topologycache/event.go's messages. */
export type HintCause =
  | "TopologyAwareHintsEnabled"
  | "TopologyAwareHintsDisabled"
  | "InsufficientNodeInfo"
  | "NodesReadyInOneZoneOnly"
  | "InsufficientNumberOfEndpoints"
  | "MinAllocationExceedsOverloadThreshold"
  | "NoZoneSpecified"
  | "NoAllocatedHintsForZones";

/** One Event the controller records on the Service (`kubectl describe service`). */
export interface HintEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: "TopologyAwareHintsEnabled" | "TopologyAwareHintsDisabled";
  readonly cause: HintCause;
  /** The real event's message text, with `, addressType: IPv4` appended. */
  readonly message: string;
}

// why: topologycache/event.go message constants, verbatim.
const MESSAGES: Record<HintCause, string> = {
  TopologyAwareHintsEnabled: "Topology Aware Hints has been enabled",
  TopologyAwareHintsDisabled: "Topology Aware Hints has been disabled",
  InsufficientNodeInfo: "Insufficient Node information: allocatable CPU or zone not specified on one or more nodes",
  NodesReadyInOneZoneOnly: "Nodes only ready in one zone",
  InsufficientNumberOfEndpoints: "Insufficient number of endpoints",
  MinAllocationExceedsOverloadThreshold:
    "Unable to allocate minimum required endpoints to each zone without exceeding overload threshold",
  NoZoneSpecified: "One or more endpoints do not have a zone specified",
  NoAllocatedHintsForZones: "No hints allocated for zones",
};

/** The event for `cause`, worded as the controller words it. */
export function hintEvent(cause: HintCause, detail = ""): HintEvent {
  const enabled = cause === "TopologyAwareHintsEnabled";
  return {
    type: enabled ? "Normal" : "Warning",
    reason: enabled ? "TopologyAwareHintsEnabled" : "TopologyAwareHintsDisabled",
    cause,
    message: `${MESSAGES[cause]}${detail}, addressType: IPv4`,
  };
}

/** True when the Service asks for topology-aware hints (`Auto` or `auto`). */
// why: endpointslice utils.go hintsEnabled — the deprecated annotation takes precedence.
export function hintsEnabled(annotations: Readonly<Record<string, string>>): boolean {
  const value = annotations[TOPOLOGY_AWARE_HINTS_ANNOTATION] ?? annotations[TOPOLOGY_MODE_ANNOTATION];
  return value === "Auto" || value === "auto";
}

/** A CPU quantity in millicores (`"4"` → 4000, `"3500m"` → 3500, `"0.5"` → 500); undefined if not one of those forms. */
export function cpuMillis(quantity: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  // why: resource.Quantity.MilliValue rounds up to a whole millicore.
  return Math.ceil(m[2] === "m" ? value : value * 1000);
}

/** A Node's allocatable CPU in millicores: its `status.allocatable.cpu`, or 1 CPU when absent (svcsim's default). */
export function nodeCpuMillis(node: Node): number {
  const cpu = node.status.allocatable?.cpu;
  return cpu === undefined ? 1000 : (cpuMillis(cpu) ?? 0);
}

/**
 * Each zone's share of the cluster's allocatable CPU, or undefined when the
 * node information is insufficient: a node without a zone or CPU, no CPU at
 * all, or fewer than two zones.
 */
// why: topologycache.go SetNodes — control-plane nodes are ignored; one node without
// zone or CPU makes the whole cluster's ratios nil.
export function zoneCpuRatios(nodes: readonly Node[]): ReadonlyMap<string, number> | undefined {
  const byZone = new Map<string, number>();
  let total = 0;
  for (const node of nodes) {
    const labels = node.metadata.labels;
    if ("node-role.kubernetes.io/control-plane" in labels || "node-role.kubernetes.io/master" in labels) continue;
    const zone = labels[ZONE_LABEL];
    const cpu = nodeCpuMillis(node);
    if (!zone || cpu === 0) return undefined;
    total += cpu;
    byZone.set(zone, (byZone.get(zone) ?? 0) + cpu);
  }
  if (total === 0 || byZone.size < 2) return undefined;
  const ratios = new Map<string, number>();
  for (const zone of [...byZone.keys()].sort(compareStrings)) ratios.set(zone, (byZone.get(zone) as number) / total);
  return ratios;
}

/** How many endpoints one zone should be hinted. */
export interface ZoneAllocation {
  readonly minimum: number;
  readonly maximum: number;
  readonly desired: number;
}

/** Per-zone allocations for `numEndpoints` ready endpoints, or the event saying why there are none. */
// why: topologycache.go getAllocations.
export function zoneAllocations(
  ratios: ReadonlyMap<string, number> | undefined,
  numEndpoints: number,
): { allocations: ReadonlyMap<string, ZoneAllocation> } | { event: HintEvent } {
  if (!ratios) return { event: hintEvent("InsufficientNodeInfo") };
  if (ratios.size < 2) return { event: hintEvent("NodesReadyInOneZoneOnly") };
  const detail = ` (${numEndpoints} endpoints, ${ratios.size} zones)`;
  if (ratios.size > numEndpoints) return { event: hintEvent("InsufficientNumberOfEndpoints", detail) };
  const partial = new Map<string, { minimum: number; desired: number }>();
  let minTotal = 0;
  for (const [zone, ratio] of ratios) {
    const desired = ratio * numEndpoints;
    const minimum = Math.ceil(desired * (1 / (1 + OVERLOAD_THRESHOLD)));
    partial.set(zone, { minimum, desired: Math.max(desired, minimum) });
    minTotal += minimum;
    if (minTotal > numEndpoints) return { event: hintEvent("MinAllocationExceedsOverloadThreshold", detail) };
  }
  const allocations = new Map<string, ZoneAllocation>();
  for (const [zone, a] of partial) allocations.set(zone, { ...a, maximum: a.minimum + numEndpoints - minTotal });
  return { allocations };
}

/** The slices one reconcile is about to create and update, and those it leaves unchanged. */
export interface SliceInfo {
  readonly toCreate: EndpointSlice[];
  readonly toUpdate: EndpointSlice[];
  readonly unchanged: EndpointSlice[];
}

/** What adding hints decided. */
export interface HintsOutcome {
  readonly slices: SliceInfo;
  readonly events: HintEvent[];
  /** Whether the Service now has hints populated (the cache's hintsPopulatedByService). */
  readonly populated: boolean;
}

// why: EndpointReady — ready must be set and true.
const isReady = (ep: Endpoint): boolean => ep.conditions.ready === true;

function withZoneHint(ep: Endpoint, zone: string | undefined): Endpoint {
  const { hints: _old, ...rest } = ep;
  return zone === undefined ? rest : { ...rest, hints: { forZones: [{ name: zone }] } };
}

/** Strips hints from the slices being written, and moves unchanged slices that carry hints to the updates. */
// why: topologycache/utils.go RemoveHintsFromSlices.
export function removeHintsFromSlices(si: SliceInfo): SliceInfo {
  for (const slice of [...si.toCreate, ...si.toUpdate]) {
    slice.endpoints = slice.endpoints.map((ep) => (ep.hints ? withZoneHint(ep, undefined) : ep));
  }
  const toUpdate = [...si.toUpdate];
  const unchanged: EndpointSlice[] = [];
  for (const slice of si.unchanged) {
    if (!slice.endpoints.some((ep) => ep.hints)) unchanged.push(slice);
    else
      toUpdate.push({ ...structuredClone(slice), endpoints: slice.endpoints.map((ep) => withZoneHint(ep, undefined)) });
  }
  return { toCreate: si.toCreate, toUpdate, unchanged };
}

/** Zone hint counts of an unchanged slice, or undefined when the slice must be rewritten. */
// why: topologycache/utils.go getHintsByZone.
function hintsByZone(
  slice: EndpointSlice,
  allocated: ReadonlyMap<string, number>,
  allocations: ReadonlyMap<string, ZoneAllocation>,
): Map<string, number> | undefined {
  const counts = new Map<string, number>();
  for (const ep of slice.endpoints) {
    if (!isReady(ep)) continue;
    const zones = ep.hints?.forZones ?? [];
    if (zones.length === 0) return undefined;
    for (const { name } of zones) {
      if (!allocations.has(name)) return undefined;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  for (const [zone, n] of counts) {
    if (n + (allocated.get(zone) ?? 0) > (allocations.get(zone) as ZoneAllocation).maximum) return undefined;
  }
  return counts;
}

/**
 * Adds zone hints to a Service's slices in proportion to each zone's CPU, or
 * removes every hint (with the event saying why) when that is impossible.
 */
// why: topologycache.go AddHints.
export function addTopologyHints(
  si: SliceInfo,
  ratios: ReadonlyMap<string, number> | undefined,
  populatedBefore: boolean,
): HintsOutcome {
  const all = [...si.toCreate, ...si.toUpdate, ...si.unchanged];
  const total = all.reduce((n, s) => n + s.endpoints.filter(isReady).length, 0);
  const result = zoneAllocations(ratios, total);
  if ("event" in result) return { slices: removeHintsFromSlices(si), events: [result.event], populated: false };
  const { allocations } = result;
  // sliceinfo.go getAllocatedHintsByZone: unchanged slices keep valid hints and count them.
  const allocated = new Map<string, number>();
  const toUpdate = [...si.toUpdate];
  const unchanged: EndpointSlice[] = [];
  for (const slice of si.unchanged) {
    const counts = hintsByZone(slice, allocated, allocations);
    if (!counts) toUpdate.push(structuredClone(slice));
    else {
      unchanged.push(slice);
      for (const [zone, n] of counts) allocated.set(zone, (allocated.get(zone) ?? 0) + n);
    }
  }
  const slices: SliceInfo = { toCreate: si.toCreate, toUpdate, unchanged };
  const writable = [...slices.toCreate, ...slices.toUpdate];
  // Step 1: every ready endpoint is hinted for its own zone.
  // why: Go's `endpoint.Hints = nil` for a not-ready endpoint writes to a loop copy, so
  // not-ready endpoints keep whatever hints they carry; we leave them alone likewise.
  for (const slice of writable) {
    for (const [i, ep] of slice.endpoints.entries()) {
      if (!isReady(ep)) continue;
      if (!ep.zone) {
        return { slices: removeHintsFromSlices(slices), events: [hintEvent("NoZoneSpecified")], populated: false };
      }
      allocated.set(ep.zone, (allocated.get(ep.zone) ?? 0) + 1);
      slice.endpoints[i] = withZoneHint(ep, ep.zone);
    }
  }
  // Steps 2 and 3: move hints from over-served zones to under-served ones.
  const { giving, receiving } = givingAndReceivingZones(allocations, allocated);
  for (const [zone, diff] of redistributeHints(writable, giving, receiving)) {
    allocated.set(zone, (allocated.get(zone) ?? 0) + diff);
  }
  if (allocated.size === 0) {
    return { slices: removeHintsFromSlices(slices), events: [hintEvent("NoAllocatedHintsForZones")], populated: false };
  }
  return { slices, events: populatedBefore ? [] : [hintEvent("TopologyAwareHintsEnabled")], populated: true };
}
