export { type PodNetworkHandlers, watchPodNetwork } from "./attach.ts";
export { DeploymentController, type DeploymentControllerOptions } from "./deployments.ts";
export {
  ENDPOINTSLICE_CONTROLLER_NAME,
  endpointIdentity,
  endpointPortsFor,
  findPort,
  HEADLESS_LABEL,
  isHeadless,
  podToEndpoint,
  portMapKey,
  SERVICE_PROXY_NAME_LABEL,
  shouldPodBeInEndpoints,
  sliceLabelsFor,
} from "./endpoints.ts";
export { EndpointSliceController, type EndpointSliceControllerOptions } from "./endpointslices.ts";
export {
  type ExitDelayFn,
  PodLifecycle,
  type PodLifecycleOptions,
  type ProbeOutcome,
  type ReadinessProbeFn,
} from "./lifecycle.ts";
export { canonicalJson, compareStrings, deepEqual, type ObjectOfKind, objectKey, selectorMatches } from "./objects.ts";
export {
  fnv32a,
  NAME_ALPHABET,
  POD_TEMPLATE_HASH_LABEL,
  podTemplateHash,
  randomSuffix,
  safeEncodeString,
} from "./podnames.ts";
export {
  beginPodDeletion,
  isPodActive,
  isPodReady,
  isPodTerminal,
  isPodTerminating,
  POD_READY,
  withCondition,
} from "./pods.ts";
export {
  awaitProbe,
  feedProbe,
  newProbeCounter,
  type PendingProbe,
  type ProbeCounter,
  pastInitialDelay,
} from "./probes.ts";
export { rankForDeletion } from "./replicas.ts";
export {
  effectiveMaxUnavailable,
  type ReplicaSetState,
  recreateStep,
  resolveFenceposts,
  rollingStep,
  scaledValue,
} from "./rollout.ts";
export { BoundedFrequencyRunner, type BoundedFrequencyRunnerOptions } from "./runner.ts";
export { nodeInternalIP, PodScheduler, type PodSchedulerOptions } from "./scheduler.ts";
export { type ReconcileInput, type ReconcileResult, reconcileSlices, type SliceChanges } from "./slicereconcile.ts";
export {
  ApiStore,
  type ApiStoreOptions,
  type StoreSnapshot,
  type WatchEvent,
  type WatchEventOf,
  type WatchHandler,
  type WatchVerb,
} from "./store.ts";
export {
  type ContainerHooks,
  type ContainerStopEnv,
  type ContainerStopPlan,
  containerStopPlans,
  MINIMUM_GRACE_PERIOD,
  preStopDuration,
  scheduleContainerStops,
} from "./termination.ts";
export {
  addTopologyHints,
  cpuMillis,
  type HintCause,
  type HintEvent,
  type HintsOutcome,
  hintEvent,
  hintsEnabled,
  nodeCpuMillis,
  OVERLOAD_THRESHOLD,
  removeHintsFromSlices,
  type SliceInfo,
  TOPOLOGY_AWARE_HINTS_ANNOTATION,
  TOPOLOGY_MODE_ANNOTATION,
  type ZoneAllocation,
  zoneAllocations,
  zoneCpuRatios,
} from "./topology-hints.ts";
export {
  type HintsInput,
  preferCloseHints,
  reconcileHints,
  validTrafficDistribution,
} from "./traffic-distribution.ts";
export {
  type KubeProxyLifecycle,
  type NodeView,
  NodeWatch,
  type NodeWatchOptions,
  type SyncCallback,
} from "./watch.ts";
