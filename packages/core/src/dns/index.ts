export { type CacheHit, TtlCache } from "./cache.ts";
export { CACHE_MIN_TTL, type CachePluginOptions, CoreDns, type CoreDnsConfig, type CoreDnsReply } from "./coredns.ts";
export { type AddressFamily, type ExchangeEnv, type ExchangeResult, exchange } from "./exchange.ts";
export { DnsInformer, type DnsInformerOptions, type DnsView, SYSTEM_NAMESPACES } from "./informer.ts";
export { type DnsClusterDeps, type DnsOptions, type DnsSystem, installDns, KUBEADM_CACHE } from "./install.ts";
export {
  DNS_HEADER_BYTES,
  type DnsMessage,
  type DnsQuery,
  type DnsRecord,
  type DnsResponse,
  isDnsMessage,
  negativeTtl,
  type QType,
  queryBytes,
  type Rcode,
  responseBytes,
  type SoaRecord,
  UDP_DNS_MAX_BYTES,
} from "./messages.ts";
export {
  CLUSTER_DOMAIN,
  canonicalName,
  isSubdomain,
  labelsOf,
  NameCompressor,
  nameWireBytes,
  trimZone,
} from "./names.ts";
export {
  endpointHostname,
  KUBEADM_COREFILE_TTL,
  KUBERNETES_PLUGIN_DEFAULT_TTL,
  type KubernetesPluginOptions,
  kubernetesAnswer,
  type UpstreamLookup,
  zoneSoa,
} from "./records.ts";
export { INVALID, parseRequest, portMatches, type RecordRequest } from "./request.ts";
export {
  KUBELET_NDOTS,
  type PodDnsConfig,
  podResolvConf,
  RES_DFLRETRY,
  RES_MAXNDOTS,
  RES_TIMEOUT,
  type ResolvConf,
} from "./resolv-conf.ts";
export {
  type ClientCacheOptions,
  type LookupError,
  type LookupRecord,
  type NameTry,
  PodResolver,
  type PodResolverOptions,
} from "./resolver.ts";
export { type NameOutcome, type SearchError, SearchWalk } from "./search.ts";
export { CoreDnsServer, type CoreDnsServerOptions, DNS_PORT } from "./server.ts";
export { type UpstreamEntry, type UpstreamOptions, UpstreamTable, type ZoneAnswer } from "./upstream.ts";
