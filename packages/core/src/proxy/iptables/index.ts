export {
  endpointChainName,
  isServiceChainName,
  portProtoHash,
  type ServiceChainNames,
  serviceChainNames,
} from "./chain-names.ts";
export { type IptablesProxierConfig, type ResolvedIptablesConfig, resolveIptablesConfig } from "./config.ts";
export { iptablesSave } from "./inspect.ts";
export { formatFixed10, probability } from "./probability.ts";
export { IptablesProgrammer, type IptablesSyncStats } from "./programmer.ts";
export { type FilterVerdict, type PlannedEndpoint, planService, type ServicePlan } from "./service-plan.ts";
export { BUILTIN_CHAINS, IptablesTables, type TableName } from "./tables.ts";
