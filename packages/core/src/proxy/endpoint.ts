import { type EndpointSlice, SERVICE_NAME_LABEL } from "../api/index.ts";
import { formatIPv4, tryParseIPv4 } from "../net/index.ts";
import { type ServicePortName, servicePortKey } from "./service-port.ts";

/**
 * What kube-proxy keeps of one endpoint of one service port
 * (pkg/proxy/endpoint.go `BaseEndpointInfo`). Plain data.
 */
export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** `ip:port`, the endpoint's identity and the text kube-proxy prints and hashes. */
  readonly endpoint: string;
  /** The endpoint's `nodeName` is this node. */
  readonly isLocal: boolean;
  /** `conditions.ready`, read as true when absent. */
  readonly ready: boolean;
  /** `conditions.serving`, read as true when absent. */
  readonly serving: boolean;
  /** `conditions.terminating`, read as false when absent. */
  readonly terminating: boolean;
  /** `hints.forZones[].name`, sorted; undefined when there are none. */
  readonly zoneHints?: readonly string[];
  /** `hints.forNodes[].name`, sorted; undefined when there are none. */
  readonly nodeHints?: readonly string[];
}

/** Endpoints per service port, keyed by {@link servicePortKey}, each list sorted by `endpoint`. */
export type EndpointsMap = Map<string, readonly EndpointInfo[]>;

/** `namespace/name` of the Service an EndpointSlice belongs to, or undefined when it has no service label. */
export function sliceServiceName(slice: EndpointSlice): string | undefined {
  // why: endpointslicecache.go endpointSliceCacheKeys: slices without the kubernetes.io/service-name
  // label are ignored (an error is logged).
  const svc = slice.metadata.labels[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace}/${svc}` : undefined;
}

function hintNames(list: readonly { name: string }[] | undefined): readonly string[] | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return [...new Set(list.map((h) => h.name))].sort();
}

function addEndpoints(set: Map<string, EndpointInfo>, slice: EndpointSlice, port: number, nodeName: string): void {
  for (const ep of slice.endpoints) {
    // why: addEndpoints ignores endpoints with no address and uses only Addresses[0].
    const first = ep.addresses[0];
    const ip = first === undefined ? undefined : tryParseIPv4(first);
    if (ip === undefined) continue;
    const text = formatIPv4(ip);
    const terminating = ep.conditions.terminating === true;
    const info: EndpointInfo = {
      ip: text,
      port,
      endpoint: `${text}:${port}`,
      isLocal: nodeName !== "" && ep.nodeName === nodeName,
      ready: ep.conditions.ready !== false,
      serving: ep.conditions.serving !== false,
      terminating,
      zoneHints: hintNames(ep.hints?.forZones),
      nodeHints: hintNames(ep.hints?.forNodes),
    };
    // why: endpointslicecache.go addEndpoints dedups by ip:port across slices; a later duplicate
    // replaces an earlier one unless it is terminating ("prefer the running pod over the
    // terminating one" when a pod IP is reused).
    if (!set.has(info.endpoint) || !terminating) set.set(info.endpoint, info);
  }
}

/**
 * Computes the endpoints of every port of one Service from its slices, as
 * kube-proxy's EndpointSliceCache does. Slices are visited in name order
 * (kube-proxy visits a Go map, so the winner among conflicting duplicates is
 * unspecified there; here it is deterministic).
 */
export function endpointsFromSlices(
  serviceName: string,
  slices: ReadonlyMap<string, EndpointSlice>,
  nodeName: string,
): EndpointsMap {
  const [namespace = "", name = ""] = serviceName.split("/");
  const byPort = new Map<string, { spn: ServicePortName; set: Map<string, EndpointInfo> }>();
  for (const sliceName of [...slices.keys()].sort()) {
    const slice = slices.get(sliceName)!;
    for (const p of slice.ports) {
      // why: endpointInfoByServicePort ignores ports without a number (nil or 0).
      if (p.port === undefined || p.port === 0) continue;
      const spn: ServicePortName = { namespace, name, port: p.name ?? "", protocol: p.protocol };
      const key = servicePortKey(spn);
      let entry = byPort.get(key);
      if (!entry) byPort.set(key, (entry = { spn, set: new Map() }));
      addEndpoints(entry.set, slice, p.port, nodeName);
    }
  }
  const out: EndpointsMap = new Map();
  for (const [key, { set }] of byPort) {
    if (set.size === 0) continue;
    // why: endpointsMapFromEndpointInfo sorts by Endpoint.String() "to simplify diffing" — this
    // order is the order of the KUBE-SVC probability rules.
    const sorted = [...set.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
    out.set(key, sorted);
  }
  return out;
}
