/**
 * @svcsim/core — the public API. Exports are listed by name: what is not
 * here is internal and may change.
 */
export {
  type ClusterNetworkConfig,
  DEFAULT_CLUSTER_NETWORK,
  describeObject,
  type EndpointSlice,
  type KubeObject,
  loadManifests,
  loadObjects,
  type Pod,
  type Service,
  validateManifests,
} from "./api/index.ts";
export { ApiStore, NodeWatch } from "./control/index.ts";
export {
  InputError,
  ms,
  type Nanos,
  ns,
  parseDuration,
  Rng,
  Scheduler,
  SimInvariantError,
  s,
  us,
} from "./engine/index.ts";
export { type RunMetrics, summarize } from "./metrics/index.ts";
export { formatIPv4, type IPv4, type Packet, parseIPv4 } from "./net/index.ts";
export { Network, Node } from "./node/index.ts";
export { PassthroughProxy, type ProxyView, type ServiceProxy, type SyncStats } from "./proxy/index.ts";
export {
  buildCluster,
  type ContainerInput,
  type ContainerOptions,
  container,
  type DeploymentInput,
  type DeploymentOptions,
  defineScenario,
  deployment,
  type ExpectationResult,
  kubeDnsObjects,
  type NodesOptions,
  nodes,
  type PodInput,
  type PodOptions,
  type PreparedScenario,
  pod,
  prepareScenario,
  type RunOptions,
  type RunResult,
  readScenarioFile,
  runScenario,
  type Scenario,
  type ScenarioInput,
  type ServiceInput,
  type ServiceOptions,
  type ServicePortInput,
  service,
  startScenario,
} from "./scenario/index.ts";
export {
  type DropReason,
  formatEvent,
  formatWalk,
  type Hook,
  parseJsonl,
  type TraceEvent,
  type TraceLevel,
  TraceRecorder,
  toJsonl,
} from "./trace/index.ts";
