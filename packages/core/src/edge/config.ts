import { InputError, type Nanos } from "../engine/index.ts";
import { type Cidr, tryParseCidr } from "../net/index.ts";
import { type HealthCheckSettings, PROVIDER_PRESETS, type ProviderName, type ProviderPreset } from "./presets.ts";

/**
 * The cloud load balancer a scenario asks for (`cluster.loadBalancer`). Every
 * field is optional; the provider preset fills the rest.
 */
export interface CloudLoadBalancerConfig {
  /** The provider whose defaults and behaviour apply: `aws-nlb-in-tree` (default), `aws-nlb`, `gcp`, `azure`. */
  readonly provider?: ProviderName;
  /** `instance`: targets are nodes, reached through the NodePort (default). `ip`: targets are the Pods. */
  readonly mode?: "instance" | "ip";
  /** `flow-hash`: a 5-tuple hash picks each new flow's target, NLB-like (default). `round-robin`: per new flow. */
  readonly distribution?: "flow-hash" | "round-robin";
  /** Cross-zone balancing; the preset's default when absent (AWS off, GCP and Azure on). */
  readonly crossZone?: boolean;
  /** `preserve`: targets see the client's address (default). `proxy`: the balancer's address. */
  readonly clientIp?: "preserve" | "proxy";
  /** Send a PROXY protocol v2 header in front of each connection's first data (default false). */
  readonly proxyProtocol?: boolean;
  /** Overrides of the preset's health-check timing and thresholds (the healthcheck-* annotations). */
  readonly healthCheck?: Partial<HealthCheckSettings>;
  /** Where frontend IPs come from; the first address is the balancer's own (default 198.51.100.0/24). */
  readonly frontendPool?: string;
  /**
   * Client address ranges routed on every node via the balancer, so replies of
   * client-IP-preserving flows come back through it (default `0.0.0.0/0`: the
   * nodes' default route points at the balancer).
   */
  readonly externalCidrs?: readonly string[];
  /** The balancer's host name on the fabric and in traces (default `cloud-lb`). */
  readonly name?: string;
  /** From a LoadBalancer Service's creation to its frontend answering and its status written (default 0). */
  readonly provisionDelay?: Nanos;
}

/** A config with every field decided. */
export interface ResolvedLbConfig {
  readonly preset: ProviderPreset;
  readonly mode: "instance" | "ip";
  readonly distribution: "flow-hash" | "round-robin";
  readonly crossZone: boolean;
  readonly clientIp: "preserve" | "proxy";
  readonly proxyProtocol: boolean;
  readonly healthCheck: HealthCheckSettings;
  /** The check of an externalTrafficPolicy Local Service's nodes (the preset's Local settings, then the overrides). */
  readonly localHealthCheck: HealthCheckSettings;
  readonly frontendPool: Cidr;
  readonly externalCidrs: readonly Cidr[];
  readonly name: string;
  readonly provisionDelay: Nanos;
}

const DEFAULT_POOL = "198.51.100.0/24";

/** Fills defaults from the preset; throws InputError naming each bad field. */
export function resolveLbConfig(config: CloudLoadBalancerConfig = {}, where = "loadBalancer"): ResolvedLbConfig {
  const problems: string[] = [];
  const providerName = config.provider ?? "aws-nlb-in-tree";
  const preset = PROVIDER_PRESETS[providerName];
  if (preset === undefined) {
    problems.push(
      `${where}.provider: expected one of ${Object.keys(PROVIDER_PRESETS).join(", ")}, got "${providerName}"`,
    );
  }
  const base = preset ?? PROVIDER_PRESETS["aws-nlb-in-tree"];
  const healthCheck = { ...base.healthCheck, ...config.healthCheck };
  // why: the provider's annotations override its Local defaults too (cloud-provider-aws parses them after).
  const localHealthCheck = { ...base.healthCheck, ...base.localHealthCheck, ...config.healthCheck };
  for (const key of ["healthyThreshold", "unhealthyThreshold", "initialHealthyThreshold"] as const) {
    const v = healthCheck[key];
    if (!Number.isInteger(v) || v < 1) problems.push(`${where}.healthCheck.${key}: expected an integer ≥ 1, got ${v}`);
  }
  for (const key of ["interval", "timeout"] as const) {
    const v = healthCheck[key];
    if (!Number.isInteger(v) || v <= 0) problems.push(`${where}.healthCheck.${key}: expected a positive duration`);
  }
  const pool = tryParseCidr(config.frontendPool ?? DEFAULT_POOL);
  if (pool === undefined || pool.bits > 30) {
    problems.push(`${where}.frontendPool: expected an IPv4 CIDR of /30 or wider, got "${config.frontendPool}"`);
  }
  const externalCidrs = (config.externalCidrs ?? ["0.0.0.0/0"]).map((text, i) => {
    const cidr = tryParseCidr(text);
    if (cidr === undefined) problems.push(`${where}.externalCidrs[${i}]: expected an IPv4 CIDR, got "${text}"`);
    return cidr as Cidr;
  });
  if (problems.length > 0) throw new InputError(problems);
  return {
    preset: preset as ProviderPreset,
    mode: config.mode ?? "instance",
    distribution: config.distribution ?? "flow-hash",
    crossZone: config.crossZone ?? (preset as ProviderPreset).crossZone,
    clientIp: config.clientIp ?? "preserve",
    proxyProtocol: config.proxyProtocol ?? false,
    healthCheck,
    localHealthCheck,
    frontendPool: pool as Cidr,
    externalCidrs,
    name: config.name ?? "cloud-lb",
    provisionDelay: config.provisionDelay ?? (0 as Nanos),
  };
}
