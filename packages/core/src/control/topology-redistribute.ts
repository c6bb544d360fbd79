import type { Endpoint, EndpointSlice } from "../api/index.ts";
import { compareStrings } from "./objects.ts";
import type { ZoneAllocation } from "./topology-hints.ts";

/**
 * The topology cache's step 2 and 3: how many whole endpoints move from
 * over-served zones to under-served ones, and which endpoints are re-hinted
 * (k8s.io/endpointslice topologycache/utils.go). Zones are taken in name
 * order where Go iterates a map.
 */

// why: EndpointReady — ready must be set and true.
const isReady = (ep: Endpoint): boolean => ep.conditions.ready === true;

function withZoneHint(ep: Endpoint, zone: string): Endpoint {
  const { hints: _old, ...rest } = ep;
  return { ...rest, hints: { forZones: [{ name: zone }] } };
}

/** The zone with the largest value (first in name order on a tie), or "" when none is above 0. */
// why: utils.go getMost.
function getMost(zones: ReadonlyMap<string, number>): [string, number] {
  let best = "";
  let most = 0;
  for (const zone of [...zones.keys()].sort(compareStrings)) {
    const n = zones.get(zone) as number;
    if (n > most) [best, most] = [zone, n];
  }
  return [best, most];
}

/** Whole endpoints each zone gives away and receives, from the fractional differences to `desired`. */
// why: utils.go getGivingAndReceivingZones — pairs are moved one at a time while the
// most generous giver and the neediest receiver both differ by at least 0.5 (and one by 1).
export function givingAndReceivingZones(
  allocations: ReadonlyMap<string, ZoneAllocation>,
  allocated: ReadonlyMap<string, number>,
): { giving: Map<string, number>; receiving: Map<string, number> } {
  const givingDesired = new Map<string, number>();
  const receivingDesired = new Map<string, number>();
  for (const [zone, a] of allocations) {
    const have = allocated.get(zone) ?? 0;
    if (have > a.desired) givingDesired.set(zone, have - a.desired);
    else if (have < a.desired) receivingDesired.set(zone, a.desired - have);
  }
  const giving = new Map<string, number>();
  const receiving = new Map<string, number>();
  for (;;) {
    const [from, toGive] = getMost(givingDesired);
    const [to, toReceive] = getMost(receivingDesired);
    if (from === "" || to === "" || (toGive < 1 && toReceive < 1) || toGive < 0.5 || toReceive < 0.5) break;
    giving.set(from, (giving.get(from) ?? 0) + 1);
    givingDesired.set(from, toGive - 1);
    receiving.set(to, (receiving.get(to) ?? 0) + 1);
    receivingDesired.set(to, toReceive - 1);
  }
  return { giving, receiving };
}

/** Re-hints endpoints of giving zones, in slice order, for receiving zones; returns each zone's net change. */
// why: utils.go redistributeHints.
export function redistributeHints(
  slices: readonly EndpointSlice[],
  giving: Map<string, number>,
  receiving: Map<string, number>,
): Map<string, number> {
  const changes = new Map<string, number>();
  for (const slice of slices) {
    for (const [i, ep] of slice.endpoints.entries()) {
      if (!isReady(ep)) continue;
      if (giving.size === 0 || receiving.size === 0) return changes;
      if (!ep.zone || !giving.has(ep.zone)) continue;
      const to = [...receiving.keys()].sort(compareStrings)[0] as string;
      slice.endpoints[i] = withZoneHint(ep, to);
      decrement(giving, ep.zone);
      decrement(receiving, to);
      changes.set(to, (changes.get(to) ?? 0) + 1);
      changes.set(ep.zone, (changes.get(ep.zone) ?? 0) - 1);
    }
  }
  return changes;
}

function decrement(counts: Map<string, number>, zone: string): void {
  const n = counts.get(zone) as number;
  if (n <= 1) counts.delete(zone);
  else counts.set(zone, n - 1);
}
