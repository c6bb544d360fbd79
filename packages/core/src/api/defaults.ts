/**
 * The API server's defaulting, applied before validation as the API server
 * does it (decode → default → validate → allocate). Sources:
 * kubernetes pkg/apis/core/v1/defaults.go (SetDefaults_Service,
 * SetDefaults_PodSpec, SetDefaults_Probe, SetDefaults_HTTPGetAction,
 * SetDefaults_Pod) and pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment).
 * ClusterIPs and NodePorts are not defaults: see `allocate.ts`.
 */
import type { ObjectMetaManifest } from "./schemas/common.ts";
import type { ServiceManifest } from "./schemas/service.ts";
import type { ObjectMeta, Service, ServicePortSpec, ServiceSpec, ServiceType } from "./types.ts";

/** The namespace of an object that names none (kubectl's default context namespace). */
export const DEFAULT_NAMESPACE = "default";
/** ClientIP affinity timeout when none is given: 3 hours (v1.DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
/** The largest ClientIP affinity timeout: 1 day (core.MaxClientIPServiceAffinitySeconds). */
export const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

/**
 * Defaults metadata: namespace "default" for namespaced kinds; cluster-scoped
 * kinds (Node) get "" — the API server clears the namespace of
 * non-namespaced objects (registry rest.BeforeCreate).
 */
export function defaultMeta(meta: ObjectMetaManifest, namespaced: boolean): ObjectMeta {
  const out: ObjectMeta = {
    name: meta.name,
    namespace: namespaced ? meta.namespace || DEFAULT_NAMESPACE : "",
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
  };
  if (meta.deletionTimestamp !== undefined) out.deletionTimestamp = meta.deletionTimestamp;
  if (meta.uid !== undefined) out.uid = meta.uid;
  return out;
}

/**
 * True for Services reachable from outside the cluster network: NodePort,
 * LoadBalancer, or any Service with externalIPs (pkg/api/service/util.go
 * ExternallyAccessible). Only these take an externalTrafficPolicy.
 */
export function isExternallyAccessible(type: ServiceType, externalIPs: readonly string[]): boolean {
  return type === "NodePort" || type === "LoadBalancer" || (type === "ClusterIP" && externalIPs.length > 0);
}

/**
 * True when the Service needs a health-check NodePort: a LoadBalancer with
 * `externalTrafficPolicy: Local` (pkg/api/service/util.go NeedsHealthCheck).
 */
export function needsHealthCheck(spec: Pick<ServiceSpec, "type" | "externalTrafficPolicy">): boolean {
  return spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
}

type PortManifest = NonNullable<NonNullable<ServiceManifest["spec"]>["ports"]>[number];

function defaultServicePort(p: PortManifest): ServicePortSpec {
  // why: SetDefaults_Service — protocol TCP; targetPort = port when unset, 0 or "".
  const unset = p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "";
  const out: ServicePortSpec = {
    protocol: p.protocol ?? "TCP",
    port: p.port,
    targetPort: unset ? p.port : p.targetPort!,
  };
  if (p.name !== undefined) out.name = p.name;
  if (p.nodePort !== undefined && p.nodePort !== 0) out.nodePort = p.nodePort;
  if (p.appProtocol !== undefined) out.appProtocol = p.appProtocol;
  return out;
}

function defaultAffinity(
  spec: NonNullable<ServiceManifest["spec"]>,
): Pick<ServiceSpec, "sessionAffinity" | "sessionAffinityConfig"> {
  const sessionAffinity = spec.sessionAffinity ?? "None";
  // why: SetDefaults_Service drops sessionAffinityConfig when affinity is None
  // and fills timeoutSeconds = 10800 when ClientIP has none.
  if (sessionAffinity === "None") return { sessionAffinity };
  const timeoutSeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_AFFINITY_SECONDS;
  return { sessionAffinity, sessionAffinityConfig: { clientIP: { timeoutSeconds } } };
}

/**
 * Applies SetDefaults_Service. One simplification: ExternalName Services also
 * get internalTrafficPolicy Cluster (the API server leaves it unset for them;
 * no dataplane reads it for ExternalName).
 */
export function defaultService(m: ServiceManifest): Service {
  const s = m.spec ?? {};
  const type = s.type ?? "ClusterIP";
  const externalIPs = s.externalIPs ?? [];
  const spec: ServiceSpec = {
    type,
    ports: (s.ports ?? []).map(defaultServicePort),
    externalIPs,
    ...defaultAffinity(s),
    internalTrafficPolicy: s.internalTrafficPolicy ?? "Cluster",
    loadBalancerSourceRanges: s.loadBalancerSourceRanges ?? [],
    publishNotReadyAddresses: s.publishNotReadyAddresses ?? false,
  };
  if (s.selector !== undefined) spec.selector = s.selector;
  if (s.clusterIP !== undefined && s.clusterIP !== "") spec.clusterIP = s.clusterIP;
  if (s.clusterIPs !== undefined && s.clusterIPs.length > 0) spec.clusterIPs = s.clusterIPs;
  if (s.externalName !== undefined) spec.externalName = s.externalName;
  // why: SetDefaults_Service — externally accessible Services default to Cluster.
  const etp = s.externalTrafficPolicy ?? (isExternallyAccessible(type, externalIPs) ? "Cluster" : undefined);
  if (etp !== undefined) spec.externalTrafficPolicy = etp;
  if (s.healthCheckNodePort !== undefined && s.healthCheckNodePort !== 0)
    spec.healthCheckNodePort = s.healthCheckNodePort;
  if (s.loadBalancerIP !== undefined && s.loadBalancerIP !== "") spec.loadBalancerIP = s.loadBalancerIP;
  // why: SetDefaults_Service — LoadBalancers allocate NodePorts unless told not to.
  const alloc = s.allocateLoadBalancerNodePorts ?? (type === "LoadBalancer" ? true : undefined);
  if (alloc !== undefined) spec.allocateLoadBalancerNodePorts = alloc;
  if (s.trafficDistribution !== undefined) spec.trafficDistribution = s.trafficDistribution;
  const ingress = (m.status?.loadBalancer?.ingress ?? []).map((i) => ({ ...i }));
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: defaultMeta(m.metadata, true),
    spec,
    status: { loadBalancer: { ingress } },
  };
}
