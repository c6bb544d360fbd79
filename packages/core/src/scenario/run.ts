import type { Nanos } from "../engine/index.ts";
import { ConntrackSampler, type ConntrackSource, type RunMetrics, summarize } from "../metrics/index.ts";
import type { TraceEvent, TraceLevel } from "../trace/index.ts";
import { buildCluster, podKey, type SimCluster } from "./cluster.ts";
import { type ScenarioDns, startDns } from "./dns.ts";
import { loadBalancerMetrics, type ScenarioEdge, startEdge } from "./edge.ts";
import { checkExpectations, type ExpectationResult } from "./expect.ts";
import type { PreparedScenario } from "./prepare.ts";
import { scheduleTimeline } from "./timeline.ts";
import { installWorkload, type WorkloadState } from "./workload.ts";

/** How to run a scenario; each field overrides the scenario's own. */
export interface RunOptions {
  seed?: number;
  duration?: Nanos;
  /** Default `flow`. */
  traceLevel?: TraceLevel;
}

/** Everything a run produced. */
export interface RunResult {
  scenario: string;
  description: string;
  seed: number;
  durationNs: number;
  metrics: RunMetrics;
  expectations: ExpectationResult[];
  /** True when every expectation held. */
  passed: boolean;
  /** Trace events at the requested level, in order. */
  trace: readonly TraceEvent[];
  /** The cluster as it stands at the end: intent, nodes' views, network. */
  cluster: SimCluster;
  workload: WorkloadState;
  /** Cluster DNS, when the scenario has a `dns` block. */
  dns?: ScenarioDns;
  /** kube-proxy's health servers, the cloud load balancer and the external hosts. */
  edge: ScenarioEdge;
}

/** A cluster with its workload and timeline installed, not yet run. */
export interface StartedScenario {
  readonly cluster: SimCluster;
  readonly workload: WorkloadState;
  readonly seed: number;
  readonly dns?: ScenarioDns;
  /** Samples each iptables-mode node's conntrack table every second. */
  readonly conntrack: ConntrackSampler;
  /** kube-proxy's health servers, the cloud load balancer and the external hosts. */
  readonly edge: ScenarioEdge;
}

/** Builds the cluster, installs the workload and schedules the timeline. */
export function startScenario(prepared: PreparedScenario, options: RunOptions = {}): StartedScenario {
  const { scenario } = prepared;
  const seed = options.seed ?? scenario.seed;
  const cluster = buildCluster(scenario.cluster, prepared.objects, seed, options.traceLevel ?? "flow");
  const dns = scenario.dns ? startDns(cluster, scenario.dns) : undefined;
  const edge = startEdge(cluster, scenario.cluster);
  const workload = installWorkload(cluster, scenario.workload, { ...(dns ? { dns } : {}), external: edge.clientNetns });
  scheduleTimeline(cluster, prepared.file, scenario.timeline);
  const conntrack = new ConntrackSampler(cluster.scheduler, conntrackSources(cluster));
  return { cluster, workload, seed, conntrack, edge, ...(dns ? { dns } : {}) };
}

/** The nodes whose proxy keeps a conntrack table (iptables mode). */
function conntrackSources(cluster: SimCluster): ConntrackSource[] {
  return cluster.network.nodes().flatMap((node) => {
    const proxy = node.proxy as Partial<ConntrackSource>;
    return proxy.conntrack ? [{ name: node.name, conntrack: proxy.conntrack }] : [];
  });
}

/** Runs a prepared scenario to its end and checks its expectations. */
export function runScenario(prepared: PreparedScenario, options: RunOptions = {}): RunResult {
  const { scenario } = prepared;
  const duration = options.duration ?? scenario.duration;
  const { cluster, workload, seed, dns, conntrack, edge } = startScenario(prepared, options);
  cluster.scheduler.runUntil(duration);
  let syncs = 0;
  for (const watch of cluster.watches.values()) syncs += watch.syncs;
  const pods = cluster.store.list("Pod").map(podKey);
  const metrics = summarize(cluster.tracer.stats, workload.records, workload.served, pods, syncs, {
    connections: workload.connections(),
    sources: workload.sources.sources(),
    peers: workload.sources.peers(),
    ...(conntrack.active ? { conntrack: conntrack.metrics() } : {}),
    ...(dns ? { dns: dns.metrics() } : {}),
  });
  if (edge.loadBalancer) metrics.loadBalancers = loadBalancerMetrics(edge.loadBalancer);
  const result: RunResult = {
    scenario: scenario.name,
    description: scenario.description,
    seed,
    durationNs: duration,
    metrics,
    expectations: [],
    passed: true,
    trace: cluster.tracer.events,
    cluster,
    workload,
    edge,
    ...(dns ? { dns } : {}),
  };
  result.expectations = checkExpectations(scenario.expect, metrics, result, options.traceLevel === "off");
  result.passed = result.expectations.every((e) => e.ok);
  return result;
}
