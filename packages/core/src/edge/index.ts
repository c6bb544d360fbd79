// Cloud load balancers, health checks and kube-proxy's health servers.
export { type CloudLbEnv, CloudLoadBalancer } from "./cloud-lb.ts";
export { type CloudLoadBalancerConfig, type ResolvedLbConfig, resolveLbConfig } from "./config.ts";
// External clients: the external network and corporate NATs (issue 5, items 1–2).
export {
  type CorporateNat,
  DEFAULT_EXTERNAL_CIDR,
  DEFAULT_EXTERNAL_LATENCY,
  type ExternalHost,
  type ExternalHostSpec,
  ExternalNetwork,
  type ExternalNetworkOptions,
} from "./external.ts";
export type { LbFlow } from "./flow-table.ts";
export { Frontend, type FrontendStats, type Target } from "./frontend.ts";
export { describeProbe, HealthChecker, type HealthCheckerOptions, type HealthProbeTarget } from "./health-check.ts";
export { HealthCounter, type TargetHealth } from "./health-state.ts";
export { type HealthRequest, type HealthResponse, isHealthRequest, isHealthResponse } from "./http-health.ts";
export {
  type CloudLoadBalancerHandle,
  type EdgeEnv,
  type FrontendSummary,
  installCloudLoadBalancers,
  installKubeProxyHealth,
} from "./install.ts";
export {
  KUBE_PROXY_HEALTHZ_PORT,
  type KubeProxyHealthOptions,
  KubeProxyHealthServer,
  type KubeProxyHealthStats,
} from "./kube-proxy-health.ts";
export { type ServiceHealthState, serviceHealthStates } from "./local-endpoints.ts";
export {
  type HealthCheckSettings,
  type HealthProtocol,
  PROVIDER_PRESETS,
  type ProviderName,
  type ProviderPreset,
} from "./presets.ts";
export { flowHash, type Selectable, type Selection, type SelectOptions, selectTarget } from "./select.ts";
export type { LbListener, TargetSpec } from "./targets.ts";
