export {
  endpointChainName,
  isServiceChainName,
  portProtoHash,
  type ServiceChainNames,
  serviceChainNames,
} from "./chain-names.ts";
export { type IptablesProxierConfig, type ResolvedIptablesConfig, resolveIptablesConfig } from "./config.ts";
export { dropReason, serviceOfRule } from "./drop-reason.ts";
export { iptablesSave } from "./inspect.ts";
export { IptablesLoader } from "./load.ts";
export { formatFixed10, probability } from "./probability.ts";
export { IptablesProgrammer, type IptablesSyncStats } from "./programmer.ts";
export { IptablesProxy, type IptablesProxyOptions } from "./proxy.ts";
export { type FilterVerdict, type PlannedEndpoint, planService, type ServicePlan } from "./service-plan.ts";
export { BUILTIN_CHAINS, IptablesTables, type TableName } from "./tables.ts";
