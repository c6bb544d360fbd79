import { type Nanos, s } from "../engine/index.ts";

/** How a health check talks to its target. */
export type HealthProtocol = "HTTP" | "TCP";

/** A health check's timing and thresholds (the same words as every provider's API). */
export interface HealthCheckSettings {
  /** Time between the starts of two checks of one target. */
  readonly interval: Nanos;
  /** A check with no answer after this long fails. */
  readonly timeout: Nanos;
  /** Consecutive passes that make an unhealthy target healthy. */
  readonly healthyThreshold: number;
  /** Consecutive failures that make a target unhealthy. */
  readonly unhealthyThreshold: number;
  /** Consecutive passes that make a newly registered target (state `initial`) healthy. */
  readonly initialHealthyThreshold: number;
  /** HTTP statuses that pass, inclusive. */
  readonly successCodes: readonly [number, number];
}

/** The provider behaviour a load balancer follows. */
export interface ProviderPreset {
  readonly name: ProviderName;
  readonly healthCheck: HealthCheckSettings;
  /** The check of an externalTrafficPolicy Local Service's healthCheckNodePort, where the provider sets it apart. */
  readonly localHealthCheck?: Partial<HealthCheckSettings>;
  /**
   * How an externalTrafficPolicy Cluster Service's nodes are checked in
   * instance mode: kube-proxy's healthz (HTTP 10256 `/healthz`) or a TCP
   * connect to the traffic port (the NodePort).
   */
  readonly clusterCheck: "kube-proxy-healthz" | "traffic-port";
  /**
   * `nat`: the balancer rewrites the destination to the target (AWS NLB:
   * node:NodePort in instance mode). `passthrough`: the packet reaches the
   * node still addressed to the frontend IP, which the node holds as a local
   * address, and kube-proxy's load-balancer IP rules (KUBE-FW, KUBE-EXT)
   * take it from there (GCP, Azure with floating IP).
   */
  readonly forwarding: "nat" | "passthrough";
  /** Whether cross-zone balancing is on unless configured. */
  readonly crossZone: boolean;
  /** When no target is healthy: route to all targets (true) or drop new flows (false). */
  readonly failOpen: boolean;
  /** What happens to a flow whose target turns unhealthy: RST the client, or keep forwarding. */
  readonly onUnhealthyTarget: "reset" | "keep";
  /** Whether the cloud's firewall enforces `loadBalancerSourceRanges` before the node. */
  readonly enforcesSourceRanges: boolean;
}

/** The presets by name. */
export type ProviderName = "aws-nlb" | "aws-nlb-in-tree" | "gcp" | "azure";

// AWS NLB, target-group defaults and behaviour:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
// - HealthCheckIntervalSeconds 30, HealthCheckTimeoutSeconds 10 (TCP),
//   HealthyThresholdCount 5, UnhealthyThresholdCount 2 (the target-group API defaults
//   as we read them from the "Health check settings" table; check there before relying on them).
// - "If a target becomes unhealthy, the load balancer sends a TCP RST for packets received
//   on the client connections associated with the target, unless the unhealthy target
//   triggers the load balancer to fail open." → onUnhealthyTarget reset.
// - "If all targets fail health checks at the same time in all enabled Availability Zones,
//   the load balancer fails open." → failOpen.
// - "By default, each load balancer node routes requests only to the healthy targets in its
//   Availability Zone" → crossZone off.
// - A new target "is not in service until it passes one health check"
//   (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html)
//   → initialHealthyThreshold 1.
// - Success codes for HTTP checks on NLB: 200-399.
// - loadBalancerSourceRanges: the Kubernetes AWS providers turn them into security-group
//   rules on the nodes, which drop before the node's stack sees the packet.
const AWS_NLB: ProviderPreset = {
  name: "aws-nlb",
  healthCheck: {
    interval: s(30),
    timeout: s(10),
    healthyThreshold: 5,
    unhealthyThreshold: 2,
    initialHealthyThreshold: 1,
    successCodes: [200, 399],
  },
  clusterCheck: "traffic-port",
  forwarding: "nat",
  crossZone: false,
  failOpen: true,
  onUnhealthyTarget: "reset",
  enforcesSourceRanges: true,
};

// The in-tree AWS cloud provider (k8s.io/legacy-cloud-providers/aws/aws_loadbalancer.go,
// now kubernetes/cloud-provider-aws): defaultNlbHealthCheckInterval 30,
// defaultNlbHealthCheckTimeout 10, defaultNlbHealthCheckThreshold 3 (healthy and
// unhealthy); buildNLBHealthCheckConfiguration checks TCP on the traffic port for
// Cluster and HTTP on healthCheckNodePort at /healthz for Local (GetServiceHealthCheckPathPort).
// The annotations service.beta.kubernetes.io/aws-load-balancer-healthcheck-{interval,timeout,
// healthy-threshold,unhealthy-threshold,protocol,port,path} override these; pass them as
// healthCheck overrides. For externalTrafficPolicy Local, buildNLBHealthCheckConfiguration
// replaces the defaults with HTTP on the healthCheckNodePort, interval 10, timeout 10,
// healthy 2, unhealthy 2 (the annotations still override it) → localHealthCheck.
// (Newer cloud-provider-aws releases check kube-proxy's 10256
// /healthz for Cluster: set clusterCheck to model them.)
const AWS_NLB_IN_TREE: ProviderPreset = {
  ...AWS_NLB,
  name: "aws-nlb-in-tree",
  healthCheck: { ...AWS_NLB.healthCheck, healthyThreshold: 3, unhealthyThreshold: 3 },
  localHealthCheck: { interval: s(10), timeout: s(10), healthyThreshold: 2, unhealthyThreshold: 2 },
};

// GCP external passthrough Network Load Balancer as the GCE cloud provider builds it
// (cloud-provider-gcp providers/gce/gce.go): gceHcCheckIntervalSeconds 8,
// gceHcTimeoutSeconds 1, gceHcHealthyThreshold 1 ("start sending requests as soon as a pod
// is found on the node"), gceHcUnhealthyThreshold 3 ("3 * 8 = 24 seconds before the LB
// will steer traffic away"), HTTP on healthCheckNodePort /healthz for Local and on the
// shared node check, kube-proxy's 10256 /healthz, for Cluster.
// Behaviour (https://cloud.google.com/load-balancing/docs/network/ext-netlb-traffic-distribution):
// "When all backend VMs are unhealthy, the load balancer distributes new connections among
// all backends as a last resort" → failOpen; connection persistence on unhealthy backends
// DEFAULT_FOR_PROTOCOL keeps TCP connections on an unhealthy backend → keep. A regional LB:
// backends in every zone → crossZone. The packet keeps the frontend IP as destination →
// passthrough. loadBalancerSourceRanges become the firewall rule's source ranges.
// The initial state of a new backend is not documented there: we assume it needs
// healthyThreshold (1) passes.
const GCP: ProviderPreset = {
  name: "gcp",
  healthCheck: {
    interval: s(8),
    timeout: s(1),
    healthyThreshold: 1,
    unhealthyThreshold: 3,
    initialHealthyThreshold: 1,
    successCodes: [200, 200],
  },
  clusterCheck: "kube-proxy-healthz",
  forwarding: "passthrough",
  crossZone: true,
  failOpen: true,
  onUnhealthyTarget: "keep",
  enforcesSourceRanges: true,
};

// Azure Standard Load Balancer as cloud-provider-azure builds it: probe interval
// consts.HealthProbeDefaultProbeInterval = 5 s, consts.HealthProbeDefaultNumOfProbe = 2
// (used as probeThreshold), HTTP on healthCheckNodePort /healthz for Local; for Cluster the
// shared probe on kube-proxy's 10256 /healthz (ClusterServiceSharedLoadBalancerHealthProbePort).
// probeThreshold is both thresholds: "After failing the number of consecutive probes equal to
// this value, the endpoint will be taken out of rotation and require the same number of
// successful consecutive probes to be placed back in rotation"
// (https://learn.microsoft.com/en-us/javascript/api/@azure-rest/arm-network/probepropertiesformatoutput).
// Azure exposes no probe timeout: we assume a probe fails when unanswered within the
// interval. Standard SKU, all probes down: "all TCP flows continue" and new flows get no
// backend (https://learn.microsoft.com/en-us/azure/load-balancer/load-balancer-custom-probe-overview)
// → failOpen false, keep. Floating IP (cloud-provider-azure's default for Services) keeps the
// frontend IP as destination → passthrough. loadBalancerSourceRanges become NSG rules.
// New backends: assumed down until probeThreshold passes (not documented).
const AZURE: ProviderPreset = {
  name: "azure",
  healthCheck: {
    interval: s(5),
    timeout: s(5),
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    initialHealthyThreshold: 2,
    successCodes: [200, 200],
  },
  clusterCheck: "kube-proxy-healthz",
  forwarding: "passthrough",
  crossZone: true,
  failOpen: false,
  onUnhealthyTarget: "keep",
  enforcesSourceRanges: true,
};

/** Every preset by name. */
export const PROVIDER_PRESETS: Readonly<Record<ProviderName, ProviderPreset>> = {
  "aws-nlb": AWS_NLB,
  "aws-nlb-in-tree": AWS_NLB_IN_TREE,
  gcp: GCP,
  azure: AZURE,
};
