export { type LatencySummary, type PodMetrics, percentile, podLabel, type RunMetrics, summarize } from "./summary.ts";
