export { cleanupServicePorts } from "./conntrack-cleanup.ts";
export { DatapathTrace } from "./datapath-trace.ts";
export { deepEqual } from "./deep-equal.ts";
export { type EndpointInfo, type EndpointsMap, endpointsFromSlices, sliceServiceName } from "./endpoint.ts";
export { EndpointsChangeTracker } from "./endpoints-change-tracker.ts";
export {
  dropReason,
  endpointChainName,
  IptablesLoader,
  IptablesProgrammer,
  type IptablesProxierConfig,
  IptablesProxy,
  type IptablesProxyOptions,
  type IptablesSyncStats,
  IptablesTables,
  iptablesSave,
  isServiceChainName,
  planService,
  portProtoHash,
  probability,
  type ServiceChainNames,
  type ServicePlan,
  serviceChainNames,
  serviceOfRule,
} from "./iptables/index.ts";
export { type LocalDetectorSpec, type LocalTrafficDetector, localTrafficDetector } from "./local-detector.ts";
export { type NodePortAddresses, nodePortAddresses, nodePortIPs } from "./node-port-addresses.ts";
export { PassthroughProxy } from "./passthrough.ts";
export { ProxyState, type ProxyStateUpdate } from "./proxy-state.ts";
export { ServiceChangeTracker, type ServicePortMap } from "./service-change-tracker.ts";
export {
  externallyAccessible,
  type ServicePortInfo,
  type ServicePortName,
  servicePortInfo,
  servicePortKey,
  servicePortNameString,
  servicePortsOf,
  shouldSkipService,
  usesClusterEndpoints,
  usesLocalEndpoints,
} from "./service-port.ts";
export { type CategorizedEndpoints, type CategorizeOptions, categorizeEndpoints } from "./topology.ts";
export {
  ACCEPT,
  type HookVerdict,
  type PacketContext,
  type ProxyMode,
  type ProxyView,
  type ServiceProxy,
  type SyncStats,
} from "./types.ts";
