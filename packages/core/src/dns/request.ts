import { trimZone } from "./names.ts";

/** A query name inside the cluster zone, taken apart as CoreDNS's kubernetes plugin does. */
export interface RecordRequest {
  /** `svc` or `pod`; `""` for the apex, `svc.<zone>` or `pod.<zone>` (answered NODATA). */
  readonly podOrSvc: "" | "svc" | "pod";
  readonly namespace: string;
  readonly service: string;
  /** The endpoint label of `<endpoint>.<service>.<ns>.svc.<zone>`. */
  readonly endpoint: string;
  /** The `_port._protocol` labels of an SRV-style name, underscores stripped. */
  readonly port: string;
  readonly protocol: string;
}

/** Why a name cannot name anything: the plugin answers NXDOMAIN. */
export const INVALID = "invalid" as const;

/**
 * Parses `name` (inside `zone`) into its parts. Shapes, right to left:
 * `service.namespace.svc|pod`, then one more label is an endpoint, two more
 * are `_port._protocol`; anything longer, or a last label that is neither
 * `svc` nor `pod`, is invalid.
 */
// why: plugin/kubernetes/parse.go parseRequest (the non-multicluster, non-zonal
// shapes): "too long" and a wrong type label return errInvalidRequest → NXDOMAIN.
export function parseRequest(name: string, zone: string): RecordRequest | typeof INVALID {
  const empty: RecordRequest = { podOrSvc: "", namespace: "", service: "", endpoint: "", port: "", protocol: "" };
  const base = trimZone(name, zone);
  if (base === "" || base === "svc" || base === "pod") return empty;
  const segs = base.split(".");
  let last = segs.length - 1;
  const podOrSvc = segs[last];
  if (podOrSvc !== "svc" && podOrSvc !== "pod") return INVALID;
  const at = (i: number) => (i >= 0 ? (segs[i] as string) : "");
  const request: RecordRequest = { ...empty, podOrSvc, namespace: at(--last), service: at(--last) };
  last--;
  if (last < 0) return request;
  if (last === 0) return { ...request, endpoint: at(0) };
  if (last === 1) return { ...request, protocol: stripUnderscore(at(1)), port: stripUnderscore(at(0)) };
  return INVALID;
}

function stripUnderscore(label: string): string {
  return label.startsWith("_") ? label.slice(1) : label;
}

/** True when a requested port/protocol (possibly empty: any) matches a port's name and protocol. */
// why: kubernetes.go matchPortAndProtocol — an empty request part is a wildcard; names compare with EqualFold.
export function portMatches(request: RecordRequest, name: string, protocol: string): boolean {
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  return (request.port === "" || eq(request.port, name)) && (request.protocol === "" || eq(request.protocol, protocol));
}
