import type { Service } from "../api/index.ts";
import { tryParseIPv4 } from "../net/index.ts";
import type { DnsView } from "./informer.ts";
import type { DnsRecord, QType, SoaRecord } from "./messages.ts";
import { canonicalName, isSubdomain } from "./names.ts";
import { INVALID, parseRequest, portMatches, type RecordRequest } from "./request.ts";
import type { ZoneAnswer } from "./upstream.ts";

/** The kubernetes plugin's settings (the `kubernetes <zone> { … }` block of the Corefile). */
export interface KubernetesPluginOptions {
  /** The cluster domain it is authoritative for (`cluster.local`). */
  zone: string;
  /** TTL of every answer, seconds. */
  ttl: number;
  /** `pods insecure` answers `a-b-c-d.<ns>.pod.<zone>` for any address; `disabled` answers NXDOMAIN. */
  pods: "insecure" | "disabled";
}

/** The plugin's own default TTL (the `ttl` option when absent), seconds. */
// why: plugin/kubernetes/kubernetes.go `defaultTTL = 5`.
export const KUBERNETES_PLUGIN_DEFAULT_TTL = 5;
/** The TTL kubeadm's Corefile sets (`ttl 30` in the kubernetes block), seconds. */
// why: kubeadm cmd/kubeadm/app/phases/addons/dns/manifests.go CoreDNSConfigMap.
export const KUBEADM_COREFILE_TTL = 30;

/** What a name resolves to inside the plugin, before records are built: an address or an alias. */
type Host = { readonly ip: string } | { readonly alias: string };

/** Resolves names outside the zone (CoreDNS's Upstream, i.e. its own forward plugin). */
export type UpstreamLookup = (name: string, qtype: QType) => ZoneAnswer;

const NAME_ERROR = "nxdomain" as const;
// why: plugin/backend_lookup.go A(): `if len(previousRecords) > 7` stops a CNAME chain.
const MAX_CNAMES = 8;

/**
 * The kubernetes plugin's answer to one question in its zone: A records for
 * a Service's ClusterIPs; for a headless Service, or an endpoint name, every
 * ready endpoint address; a CNAME for an ExternalName Service, followed in the
 * zone or through the upstream; `pods insecure` records; NXDOMAIN for a name
 * that names nothing, NODATA (NOERROR, no answers) for an existing name
 * without records of the type. Negative answers carry the zone's SOA.
 */
// why: plugin/kubernetes/handler.go ServeDNS — IsNameError → RcodeNameError; no
// records → RcodeSuccess; both through plugin.BackendError, which adds the SOA.
export function kubernetesAnswer(
  view: DnsView,
  qname: string,
  qtype: QType,
  options: KubernetesPluginOptions,
  upstream: UpstreamLookup,
): ZoneAnswer {
  const records = addressRecords(view, canonicalName(qname), qtype, options, upstream, []);
  if (records === NAME_ERROR) return { rcode: "NXDOMAIN", answers: [], authority: zoneSoa(options) };
  if (records.length === 0) return { rcode: "NOERROR", answers: [], authority: zoneSoa(options) };
  return { rcode: "NOERROR", answers: records };
}

/** The zone's SOA as CoreDNS writes it: TTL min(ttl, 300), MINIMUM ttl. */
// why: plugin/backend_lookup.go SOA(): `ttl := min(300, MinTTL)`, Minttl: MinTTL, Ns
// ns.dns.<zone>, Mbox hostmaster.<zone>; the kubernetes plugin's MinTTL is its ttl.
export function zoneSoa(options: KubernetesPluginOptions): SoaRecord {
  const zone = canonicalName(options.zone);
  return {
    zone,
    ttl: Math.min(options.ttl, 300),
    minimum: options.ttl,
    mname: `ns.dns.${zone}`,
    rname: `hostmaster.${zone}`,
  };
}

// why: plugin/backend_lookup.go A()/AAAA(): a CNAME to itself is skipped; one inside the
// zone is resolved recursively and kept only if that yields records; one outside goes
// to the upstream and is kept with whatever it answered; addresses are de-duplicated.
function addressRecords(
  view: DnsView,
  qname: string,
  qtype: QType,
  options: KubernetesPluginOptions,
  upstream: UpstreamLookup,
  chain: readonly DnsRecord[],
): DnsRecord[] | typeof NAME_ERROR {
  const hosts = findHosts(view, qname, options);
  if (hosts === NAME_ERROR) return NAME_ERROR;
  const out: DnsRecord[] = [];
  const seen = new Set<string>();
  for (const host of hosts) {
    if ("ip" in host) {
      if (qtype === "A" && !seen.has(host.ip)) {
        seen.add(host.ip);
        out.push({ type: "A", name: qname, ttl: options.ttl, address: host.ip });
      }
      continue;
    }
    const target = canonicalName(host.alias);
    if (target === qname || chain.length >= MAX_CNAMES) continue;
    const cname: DnsRecord = { type: "CNAME", name: qname, ttl: options.ttl, target };
    if (chain.some((r) => r.type === "CNAME" && r.target === target)) continue;
    if (isSubdomain(target, options.zone)) {
      const next = addressRecords(view, target, qtype, options, upstream, [...chain, cname]);
      if (next !== NAME_ERROR && next.length > 0) out.push(cname, ...next);
      continue;
    }
    out.push(cname, ...upstream(target, qtype).answers);
  }
  return out;
}

/** The plugin's Records(): every host a name stands for, or a name error. */
// why: kubernetes.go Records → namespaceExposed, then findPods or findServices.
function findHosts(view: DnsView, qname: string, options: KubernetesPluginOptions): Host[] | typeof NAME_ERROR {
  const request = parseRequest(qname, options.zone);
  if (request === INVALID) return NAME_ERROR;
  if (request.podOrSvc === "") return [];
  if (!view.namespaceExists(request.namespace)) return NAME_ERROR;
  if (request.podOrSvc === "pod") return findPods(request, options);
  return findServices(view, request);
}

// why: kubernetes.go findPods — disabled: NXDOMAIN; no pod label: NODATA; insecure:
// a-b-c-d with exactly three dashes is read back as an address without checking any Pod.
function findPods(request: RecordRequest, options: KubernetesPluginOptions): Host[] | typeof NAME_ERROR {
  if (options.pods === "disabled") return NAME_ERROR;
  if (request.service === "") return [];
  const label = request.service;
  if (label.split("-").length !== 4 || label.includes("--")) return NAME_ERROR;
  const ip = label.replaceAll("-", ".");
  return tryParseIPv4(ip) === undefined ? NAME_ERROR : [{ ip }];
}

// why: kubernetes.go findServices — an ExternalName is a CNAME (never with an endpoint
// label); a headless Service or an endpoint query lists the slices' ready addresses per
// matching port; otherwise each matching port yields the ClusterIPs. No match: NXDOMAIN.
function findServices(view: DnsView, request: RecordRequest): Host[] | typeof NAME_ERROR {
  if (request.service === "") return [];
  const svc = view.service(request.namespace, request.service);
  if (!svc) return NAME_ERROR;
  if (svc.spec.type === "ExternalName") {
    const target = svc.spec.externalName ?? "";
    // msg.Service.HostType: an address is not a CNAME, so such a Service answers nothing.
    if (request.endpoint !== "" || target === "" || tryParseIPv4(target) !== undefined) return NAME_ERROR;
    return [{ alias: target }];
  }
  if (svc.spec.clusterIP === "None" || request.endpoint !== "") return endpointHosts(view, svc, request);
  const hosts: Host[] = [];
  let matched = false;
  for (const port of svc.spec.ports) {
    if (!portMatches(request, port.name ?? "", port.protocol)) continue;
    matched = true;
    for (const ip of clusterIPsOf(svc)) hosts.push({ ip });
  }
  return matched ? hosts : NAME_ERROR;
}

function clusterIPsOf(svc: Service): string[] {
  const ips = svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : []);
  return ips.filter((ip) => tryParseIPv4(ip) !== undefined);
}

// why: object/endpoint.go EndpointSliceToEndpoints keeps only endpoints whose Ready is
// nil or true (the controller sets Ready for not-ready Pods when publishNotReadyAddresses);
// a slice without ports gets the sentinel port -1, so its addresses still answer A queries.
function endpointHosts(view: DnsView, svc: Service, request: RecordRequest): Host[] | typeof NAME_ERROR {
  const hosts: Host[] = [];
  for (const slice of view.slices(svc.metadata.namespace, svc.metadata.name)) {
    if (slice.addressType !== "IPv4") continue;
    const ports = slice.ports.length > 0 ? slice.ports : [{ name: "", protocol: "" }];
    for (const ep of slice.endpoints) {
      if (ep.conditions.ready === false) continue;
      for (const address of ep.addresses) {
        if (request.endpoint !== "" && request.endpoint !== endpointHostname(ep.hostname, address)) continue;
        for (const port of ports) {
          if (portMatches(request, port.name ?? "", port.protocol)) hosts.push({ ip: address });
        }
      }
    }
  }
  return hosts.length > 0 ? hosts : NAME_ERROR;
}

/** The label an endpoint answers to: its hostname, else its address with dashes (`10-244-1-5`). */
// why: kubernetes.go endpointHostname (endpoint_pod_names off, the default).
export function endpointHostname(hostname: string | undefined, address: string): string {
  return hostname ? hostname.toLowerCase() : address.replaceAll(".", "-");
}
