export {
  type AllocationEntry,
  type AllocationProblem,
  allocateServices,
  type ClusterNetworkConfig,
  DEFAULT_CLUSTER_NETWORK,
} from "./allocate.ts";
export { ClusterIPAllocator, NodePortAllocator, type Reservation, staticBandSize } from "./allocators.ts";
export {
  DEFAULT_CLIENT_IP_AFFINITY_SECONDS,
  DEFAULT_NAMESPACE,
  defaultMeta,
  defaultService,
  isExternallyAccessible,
  MAX_CLIENT_IP_AFFINITY_SECONDS,
  needsHealthCheck,
} from "./defaults.ts";
export {
  DEFAULT_ROLLING_UPDATE,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  defaultDeployment,
  defaultEndpointSlice,
  defaultNode,
  defaultPod,
  defaultPodSpec,
  defaultProbe,
} from "./defaults-workloads.ts";
export {
  DeploymentSchema,
  EndpointSliceSchema,
  isSupportedKind,
  KINDS,
  type KindInfo,
  NodeSchema,
  PodSchema,
  ServiceSchema,
  SUPPORTED_KINDS,
} from "./kinds.ts";
export {
  decodeYaml,
  type LoadOptions,
  type LoadResult,
  loadManifests,
  loadObjects,
  type ManifestInput,
  type ObjectInput,
  objectRefOf,
  resolveNetworkConfig,
} from "./load.ts";
export {
  checkCidr,
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkIPv4,
  checkLabelValue,
  checkPortName,
  checkPortNumber,
  checkQualifiedName,
} from "./names.ts";
export { inspectObject, KubeObjectSchema, type ParseOutcome, parseObject, suggestKind } from "./parse.ts";
export {
  type FieldPath,
  formatObjectRef,
  formatPath,
  formatProblem,
  formatSource,
  type Problem,
  type Source,
} from "./problems.ts";
export { issuesToProblems, manifestErrorMap, stripNulls } from "./schemas/common.ts";
export type { PodManifest, PodSpecManifest, ProbeManifest } from "./schemas/pod.ts";
export { type ServiceManifest, ServiceManifestSchema } from "./schemas/service.ts";
export type { DeploymentManifest, EndpointSliceManifest, NodeManifest } from "./schemas/workloads.ts";
export { describeObject, validateManifests } from "./summary.ts";
export type * from "./types.ts";
export { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, ZONE_LABEL } from "./types.ts";
export { validateEndpointSlice, validateNode } from "./validate/cluster.ts";
export { validateDeployment, validatePod, validatePodSpec } from "./validate/pod.ts";
export { validateService } from "./validate/service.ts";
