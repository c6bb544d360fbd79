import {
  type Endpoint,
  type EndpointPort,
  MANAGED_BY_LABEL,
  type Node,
  type Pod,
  SERVICE_NAME_LABEL,
  type Service,
  type ServicePortSpec,
  ZONE_LABEL,
} from "../api/index.ts";
import { canonicalJson, compareStrings } from "./objects.ts";
import { isPodReady, isPodTerminal, isPodTerminating } from "./pods.ts";

/** The `managed-by` value the EndpointSlice controller writes on its slices. */
export const ENDPOINTSLICE_CONTROLLER_NAME = "endpointslice-controller.k8s.io";
/** Set on the slices of a headless Service; kube-proxy's informers skip such objects. */
export const HEADLESS_LABEL = "service.kubernetes.io/headless";
/** Set on objects meant for another service proxy; kube-proxy's informers skip such objects. */
export const SERVICE_PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name";

/** True when the Pod belongs in its Services' EndpointSlices (terminating Pods included). */
// why: endpointslice/util ShouldPodBeInEndpoints(pod, includeTerminating=true): not
// terminal (Succeeded/Failed) and has a Pod IP; the EndpointSlice controller always
// includes terminating Pods so that consumers can see serving/terminating.
export function shouldPodBeInEndpoints(pod: Pod): boolean {
  return !isPodTerminal(pod) && pod.status.podIP !== undefined && pod.status.podIP !== "";
}

/**
 * The container port a Service port targets in this Pod: a number is used as
 * is; a name is looked up among the Pod's container ports with the same
 * protocol. Undefined when a name matches nothing.
 */
// why: endpointslice utils.go FindPort — named ports resolve per Pod, so two Pods
// of one Service may serve a named targetPort on different numbers.
export function findPort(pod: Pod, port: ServicePortSpec): number | undefined {
  if (typeof port.targetPort === "number") return port.targetPort;
  for (const container of pod.spec.containers) {
    for (const cp of container.ports) {
      if (cp.name === port.targetPort && cp.protocol === port.protocol) return cp.containerPort;
    }
  }
  return undefined;
}

/** The EndpointPorts of one Pod for a Service: one per Service port that resolves; unresolved ports are left out. */
// why: endpointslice utils.go getEndpointPorts — a port FindPort cannot resolve is
// skipped; the name is always set ("" for an unnamed port).
export function endpointPortsFor(service: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const sp of service.spec.ports) {
    const number = findPort(pod, sp);
    if (number === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? "", protocol: sp.protocol, port: number };
    if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
    ports.push(ep);
  }
  return ports;
}

/** A key equal for equal sets of EndpointPorts, whatever their order. */
// why: endpointslice/util NewPortMapKey sorts the ports then hashes them; slices are
// grouped by this key, so Pods resolving ports differently land in different slices.
export function portMapKey(ports: readonly EndpointPort[]): string {
  return ports
    .map((p) => canonicalJson(p))
    .sort(compareStrings)
    .join("|");
}

/** The Endpoint for one Pod of a Service. `node` is the Pod's Node, if known. */
// why: endpointslice utils.go podToEndpoint — serving = Pod Ready condition;
// terminating = deletionTimestamp set; ready = publishNotReadyAddresses ||
// (serving && !terminating), "for compatibility, ready is never true while terminating".
export function podToEndpoint(pod: Pod, node: Node | undefined, service: Service): Endpoint {
  const serving = isPodReady(pod);
  const terminating = isPodTerminating(pod);
  const ready = service.spec.publishNotReadyAddresses || (serving && !terminating);
  const ep: Endpoint = {
    addresses: pod.status.podIP ? [pod.status.podIP] : [],
    conditions: { ready, serving, terminating },
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name },
  };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels[ZONE_LABEL];
  if (zone) ep.zone = zone;
  // why: endpointslice/util ShouldSetHostname — only for a Pod whose subdomain names this Service.
  if (pod.spec.hostname && pod.spec.subdomain === service.metadata.name) ep.hostname = pod.spec.hostname;
  return ep;
}

/** The identity of an Endpoint inside a slice: its addresses, hostname and target Pod. */
// why: endpointslice/util endpointset.go hashEndpoint hashes sorted addresses,
// hostname and targetRef namespace/name; everything else is compared separately.
export function endpointIdentity(ep: Endpoint): string {
  const addresses = [...ep.addresses].sort(compareStrings).join(",");
  const ref = ep.targetRef ? `${ep.targetRef.namespace ?? ""}/${ep.targetRef.name}` : "";
  return `${addresses}|${ep.hostname ?? ""}|${ref}`;
}

/** True when two Endpoints with the same identity also agree on node, zone, conditions and target. */
// why: endpointslice/util EndpointsEqualBeyondHash.
export function endpointsEqualBeyondIdentity(a: Endpoint, b: Endpoint): boolean {
  return (
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.conditions.ready === b.conditions.ready &&
    a.conditions.serving === b.conditions.serving &&
    a.conditions.terminating === b.conditions.terminating &&
    a.targetRef?.kind === b.targetRef?.kind &&
    a.targetRef?.name === b.targetRef?.name &&
    a.targetRef?.namespace === b.targetRef?.namespace
  );
}

/** True for a headless Service (`clusterIP: None`). */
export function isHeadless(service: Service): boolean {
  return service.spec.clusterIP === "None";
}

/**
 * The labels the controller keeps on a Service's slices: the Service's own
 * labels (minus the reserved ones) plus service-name, managed-by and, for a
 * headless Service, the headless label.
 */
// why: endpointslice utils.go setEndpointSliceLabels / isReservedLabelKey.
export function sliceLabelsFor(service: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const key of Object.keys(service.metadata.labels).sort(compareStrings)) {
    if (key === SERVICE_NAME_LABEL || key === MANAGED_BY_LABEL || key === HEADLESS_LABEL) continue;
    labels[key] = service.metadata.labels[key] as string;
  }
  if (isHeadless(service)) labels[HEADLESS_LABEL] = "";
  labels[SERVICE_NAME_LABEL] = service.metadata.name;
  labels[MANAGED_BY_LABEL] = ENDPOINTSLICE_CONTROLLER_NAME;
  return labels;
}
