import type { Endpoint, EndpointSlice, Node, Service } from "../api/index.ts";
import {
  addTopologyHints,
  type HintEvent,
  hintEvent,
  hintsEnabled,
  removeHintsFromSlices,
  type SliceInfo,
  zoneCpuRatios,
} from "./topology-hints.ts";

/**
 * How the EndpointSlice reconciler chooses between the topology annotation,
 * `spec.trafficDistribution` and no hints (k8s.io/endpointslice reconciler.go
 * reconcileByAddressType, and trafficdist/trafficdist.go).
 */

/** Whether `trafficDistribution` is set to a value this controller acts on. */
// why: reconciler.go validTrafficDistribution — PreferClose always; PreferSameZone and
// PreferSameNode only with the PreferSameTrafficDistribution gate (beta, on since 1.34).
export function validTrafficDistribution(value: string | undefined, preferSame: boolean): boolean {
  if (value === "PreferClose") return true;
  return preferSame && (value === "PreferSameZone" || value === "PreferSameNode");
}

const isReady = (ep: Endpoint): boolean => ep.conditions.ready === true;

/** The hints PreferClose / PreferSameZone / PreferSameNode want on one ready endpoint. */
function wantedHints(ep: Endpoint, nodeHints: boolean): Endpoint["hints"] {
  const forZones = ep.zone !== undefined ? [{ name: ep.zone }] : undefined;
  const forNodes = nodeHints && ep.nodeName !== undefined ? [{ name: ep.nodeName }] : undefined;
  if (!forZones && !forNodes) return undefined;
  return { ...(forZones ? { forZones } : {}), ...(forNodes ? { forNodes } : {}) };
}

/** True when a ready endpoint of the slice lacks its wanted hint or carries a stale one. */
// why: trafficdist.go preferCloseHeuristic.needsUpdate.
function needsUpdate(slice: EndpointSlice, nodeHints: boolean): boolean {
  for (const ep of slice.endpoints) {
    if (!isReady(ep)) continue;
    const zones = ep.hints?.forZones ?? [];
    if (ep.zone !== undefined ? zones.length !== 1 || zones[0]?.name !== ep.zone : zones.length > 0) return true;
    const nodes = ep.hints?.forNodes ?? [];
    if (
      nodeHints && ep.nodeName !== undefined ? nodes.length !== 1 || nodes[0]?.name !== ep.nodeName : nodes.length > 0
    )
      return true;
  }
  return false;
}

/**
 * Gives every ready endpoint a hint for its own zone (and, for
 * PreferSameNode, its own node); slices whose hints are already right stay
 * unchanged. Not-ready endpoints are left as they are.
 */
// why: trafficdist.go ReconcileHints with preferCloseHeuristic.
export function preferCloseHints(value: string, si: SliceInfo): SliceInfo {
  const nodeHints = value === "PreferSameNode";
  const toUpdate = [...si.toUpdate];
  const unchanged: EndpointSlice[] = [];
  for (const slice of si.unchanged) {
    if (needsUpdate(slice, nodeHints)) toUpdate.push(structuredClone(slice));
    else unchanged.push(slice);
  }
  for (const slice of [...si.toCreate, ...toUpdate]) {
    slice.endpoints = slice.endpoints.map((ep) => {
      if (!isReady(ep)) return ep;
      const { hints: _old, ...rest } = ep;
      const hints = wantedHints(ep, nodeHints);
      return hints ? { ...rest, hints } : rest;
    });
  }
  return { toCreate: si.toCreate, toUpdate, unchanged };
}

/** The inputs of the hint step of one reconcile. */
export interface HintsInput {
  readonly service: Service;
  readonly slices: SliceInfo;
  readonly nodes: readonly Node[];
  /** Whether the topology cache had hints populated for this Service before. */
  readonly populated: boolean;
  /** The PreferSameTrafficDistribution gate. Default true. */
  readonly preferSameTrafficDistribution?: boolean;
}

/** Sets or clears the hints of a reconcile's slices, per the Service's annotation or trafficDistribution. */
// why: reconciler.go reconcileByAddressType, from "Topology hints are assigned per address type".
export function reconcileHints(input: HintsInput): { slices: SliceInfo; events: HintEvent[]; populated: boolean } {
  const { service } = input;
  const auto = hintsEnabled(service.metadata.annotations);
  const distribution = service.spec.trafficDistribution;
  // why: the annotation wins over trafficDistribution when both are set.
  const useDistribution = validTrafficDistribution(distribution, input.preferSameTrafficDistribution ?? true) && !auto;
  let slices = input.slices;
  let events: HintEvent[] = [];
  let populated = false;
  if (auto) {
    ({ slices, events, populated } = addTopologyHints(slices, zoneCpuRatios(input.nodes), input.populated));
  } else {
    if (input.populated) events = [hintEvent("TopologyAwareHintsDisabled")];
    // why: hints that trafficDistribution will rewrite are not stripped first.
    if (!useDistribution) slices = removeHintsFromSlices(slices);
  }
  if (useDistribution) slices = preferCloseHints(distribution as string, slices);
  return { slices, events, populated };
}
