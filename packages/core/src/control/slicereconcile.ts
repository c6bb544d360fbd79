import type { Endpoint, EndpointPort, EndpointSlice, Node, Pod, Service } from "../api/index.ts";
import {
  endpointIdentity,
  endpointPortsFor,
  endpointsEqualBeyondIdentity,
  podToEndpoint,
  portMapKey,
  shouldPodBeInEndpoints,
  sliceLabelsFor,
} from "./endpoints.ts";
import { compareStrings, deepEqual } from "./objects.ts";
import type { HintEvent } from "./topology-hints.ts";
import { reconcileHints } from "./traffic-distribution.ts";

/** What one reconcile of one Service wants written. New slices carry their final names. */
export interface SliceChanges {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** The inputs of one reconcile: the Service, its selected Pods, the Node lookup, its current managed slices. */
export interface ReconcileInput {
  readonly service: Service;
  /** Pods matching the selector, in key order (the order endpoints are appended in). */
  readonly pods: readonly Pod[];
  readonly node: (name: string) => Node | undefined;
  /** The Service's controller-managed slices, in name order. */
  readonly existing: readonly EndpointSlice[];
  readonly maxEndpointsPerSlice: number;
  /** A fresh name for a slice that must be created (`<service>-<suffix>`). */
  readonly newName: () => string;
  /** Every Node, for the topology cache's CPU per zone. Absent: none known (no topology-mode hints). */
  readonly nodes?: readonly Node[];
  /** Whether topology-mode hints were populated for this Service by an earlier reconcile. */
  readonly hintsPopulated?: boolean;
  /** The PreferSameTrafficDistribution gate (PreferSameZone / PreferSameNode accepted). Default true. */
  readonly preferSameTrafficDistribution?: boolean;
}

/** The writes of one reconcile, with the topology events it records on the Service. */
export interface ReconcileResult extends SliceChanges {
  /** `TopologyAwareHintsEnabled` / `TopologyAwareHintsDisabled` events, with their cause. */
  hintEvents: HintEvent[];
  /** Whether topology-mode hints are populated after this reconcile (feed back as `hintsPopulated`). */
  hintsPopulated: boolean;
}

interface Group {
  ports: EndpointPort[];
  /** Desired endpoints by identity, in insertion (Pod key) order. */
  desired: Map<string, Endpoint>;
}

/**
 * Computes the slice writes that make a Service's EndpointSlices match its
 * Pods, following the real reconciler step by step (IPv4 only).
 */
// why: k8s.io/endpointslice reconciler.go reconcileByAddressType → reconcileByPortMapping → finalize.
export function reconcileSlices(input: ReconcileInput): ReconcileResult {
  const { service } = input;
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const slice of input.existing) {
    const key = portMapKey(slice.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
  }
  const groups = desiredGroups(input);
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  for (const key of [...groups.keys()].sort(compareStrings)) {
    const group = groups.get(key) as Group;
    const step = reconcilePortGroup(input, existingByPorts.get(key) ?? [], group);
    changes.create.push(...step.create);
    changes.update.push(...step.update);
    changes.delete.push(...step.delete);
  }
  for (const [key, slices] of [...existingByPorts].sort((a, b) => compareStrings(a[0], b[0]))) {
    if (!groups.has(key)) changes.delete.push(...slices);
  }
  // why: reconciler.go — when no slice would remain, keep (or create) one placeholder
  // slice with no endpoints and no ports, so the Service visibly has zero endpoints.
  if (input.existing.length === changes.delete.length && changes.create.length === 0) {
    const placeholder = newSlice(service, []);
    const only = changes.delete[0];
    if (changes.delete.length === 1 && only && isSamePlaceholder(only, placeholder)) changes.delete = [];
    else changes.create.push(placeholder);
  }
  // why: reconciler.go builds SliceInfo (create, update, unchanged) and sets hints before finalize.
  const touched = new Set([...changes.update, ...changes.delete].map((s) => s.metadata.name));
  const hinted = reconcileHints({
    service,
    slices: {
      toCreate: changes.create,
      toUpdate: changes.update,
      unchanged: input.existing.filter((s) => !touched.has(s.metadata.name)),
    },
    nodes: input.nodes ?? [],
    populated: input.hintsPopulated ?? false,
    ...(input.preferSameTrafficDistribution !== undefined
      ? { preferSameTrafficDistribution: input.preferSameTrafficDistribution }
      : {}),
  });
  changes.create = hinted.slices.toCreate;
  changes.update = hinted.slices.toUpdate;
  return { ...finalize(changes, input.newName), hintEvents: hinted.events, hintsPopulated: hinted.populated };
}

function desiredGroups(input: ReconcileInput): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod)) continue;
    const ports = endpointPortsFor(input.service, pod);
    const key = portMapKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, desired: new Map() }));
    const node = pod.spec.nodeName ? input.node(pod.spec.nodeName) : undefined;
    // why: reconciler.go — a Pod whose Node is not found is skipped (and retried later)
    // unless publishNotReadyAddresses says to publish it anyway.
    if (!node && !input.service.spec.publishNotReadyAddresses) continue;
    const ep = podToEndpoint(pod, node, input.service);
    if (ep.addresses.length > 0) group.desired.set(endpointIdentity(ep), ep);
  }
  return groups;
}

function reconcilePortGroup(input: ReconcileInput, existing: readonly EndpointSlice[], group: Group): SliceChanges {
  const max = input.maxEndpointsPerSlice;
  const labels = sliceLabelsFor(input.service);
  const toUpdate = new Map<string, EndpointSlice>();
  const unchanged = new Map<string, EndpointSlice>();
  const toDelete: EndpointSlice[] = [];
  // 1. Keep desired endpoints in place, refresh changed ones, drop the rest.
  for (const slice of existing) {
    const kept: Endpoint[] = [];
    let updated = false;
    for (const ep of slice.endpoints) {
      const id = endpointIdentity(ep);
      const want = group.desired.get(id);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondIdentity(want, ep)) updated = true;
      group.desired.delete(id);
    }
    const labelsChanged = !deepEqual(slice.metadata.labels, labels);
    if (updated || kept.length !== slice.endpoints.length) {
      if (kept.length === 0) toDelete.push(slice);
      else toUpdate.set(slice.metadata.name, withEndpoints(slice, kept, labels));
    } else if (labelsChanged) {
      toUpdate.set(slice.metadata.name, withEndpoints(slice, kept, labels));
    } else {
      unchanged.set(slice.metadata.name, slice);
    }
  }
  const remaining = [...group.desired.values()];
  // 2. Fill slices already being updated, fullest first.
  // why: reconciler.go sorts slicesToUpdate with endpointSliceEndpointLen (most endpoints first).
  const filling = [...toUpdate.values()].sort((a, b) => b.endpoints.length - a.endpoints.length);
  for (const slice of filling) {
    while (remaining.length > 0 && slice.endpoints.length < max) slice.endpoints.push(remaining.shift() as Endpoint);
  }
  // 3. Put what is left into the unchanged slice closest to full that fits it, or new slices.
  const create: EndpointSlice[] = [];
  while (remaining.length > 0) {
    let target: EndpointSlice | undefined;
    if (remaining.length < max && unchanged.size > 0) {
      const fit = sliceToFill([...unchanged.values()], remaining.length, max);
      if (fit) {
        target = withEndpoints(fit, [...fit.endpoints], fit.metadata.labels);
        unchanged.delete(fit.metadata.name);
        toUpdate.set(fit.metadata.name, target);
      }
    }
    if (!target) create.push((target = newSlice(input.service, group.ports)));
    while (remaining.length > 0 && target.endpoints.length < max) target.endpoints.push(remaining.shift() as Endpoint);
  }
  const update = [...toUpdate.values()].sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
  return { create, update, delete: toDelete };
}

/** The slice that will be closest to full once `count` endpoints are added, if any has room. */
// why: endpointslice utils.go getSliceToFill.
function sliceToFill(slices: readonly EndpointSlice[], count: number, max: number): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  let bestDiff = max;
  for (const slice of slices) {
    const diff = max - (count + slice.endpoints.length);
    if (diff >= 0 && diff < bestDiff) {
      bestDiff = diff;
      best = slice;
      if (diff === 0) break;
    }
  }
  return best;
}

/** Turns creates into updates of slices that would be deleted (keeping their names), then names the rest. */
// why: reconciler.go finalize — "If there are slices to create and delete, change the
// creates to updates of the slices that would otherwise be deleted."
function finalize(changes: SliceChanges, newName: () => string): SliceChanges {
  const deletes = [...changes.delete];
  const creates = [...changes.create];
  const updates = [...changes.update];
  while (deletes.length > 0 && creates.length > 0) {
    const reused = deletes.shift() as EndpointSlice;
    const slice = creates.pop() as EndpointSlice;
    slice.metadata.name = reused.metadata.name;
    updates.push(slice);
  }
  for (const slice of creates) slice.metadata.name = newName();
  return { create: creates, update: updates, delete: deletes };
}

function newSlice(service: Service, ports: EndpointPort[]): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "", namespace: service.metadata.namespace, labels: sliceLabelsFor(service), annotations: {} },
    addressType: "IPv4",
    endpoints: [],
    ports: structuredClone(ports),
  };
}

function withEndpoints(slice: EndpointSlice, endpoints: Endpoint[], labels: Record<string, string>): EndpointSlice {
  return {
    ...slice,
    metadata: { ...slice.metadata, labels: { ...labels } },
    endpoints,
    ports: [...slice.ports],
  };
}

function isSamePlaceholder(slice: EndpointSlice, placeholder: EndpointSlice): boolean {
  return (
    slice.endpoints.length === 0 &&
    slice.ports.length === 0 &&
    slice.addressType === placeholder.addressType &&
    slice.metadata.namespace === placeholder.metadata.namespace &&
    deepEqual(slice.metadata.labels, placeholder.metadata.labels)
  );
}
