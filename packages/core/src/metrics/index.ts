export { type ClientMetrics, RequestGroups } from "./clients.ts";
export {
  type ConntrackMetrics,
  type ConntrackNodeSeries,
  ConntrackSampler,
  type ConntrackSource,
} from "./conntrack.ts";
export { type DnsMetrics, type DnsServerLike, type DnsServerMetrics, type LookupLike, summarizeDns } from "./dns.ts";
export { LatencyHistogram, type LatencySummary, latencySummary, percentile } from "./histogram.ts";
export { formatSources, SourceCounter } from "./sources.ts";
export {
  type LoadBalancerMetrics,
  type PodMetrics,
  podLabel,
  type RunMetrics,
  type SummaryExtras,
  summarize,
} from "./summary.ts";
