/**
 * End-to-end workload: the whole simulator on a small, busy cluster — 3
 * nodes in kube-proxy's iptables mode, 10 Pods (a Deployment of 9 HTTP
 * servers behind a ClusterIP Service, and 1 client Pod), and an HTTP/1.1
 * client with Go's `http.Transport` defaults sending 1,000 requests/s
 * (open loop, Poisson) for 60 simulated seconds. Reports the wall time, the
 * simulated packets moved per wall second (and per simulated second) and
 * the scheduler events executed per wall second; with tracing off (the
 * metrics-only path), and once with the `flow` trace to show what it costs.
 */
import {
  deployment,
  nodes,
  pod,
  prepareScenario,
  type RunResult,
  runScenario,
  type ScenarioInput,
  service,
} from "../packages/core/src/scenario/index.ts";
import type { TraceLevel } from "../packages/core/src/trace/index.ts";
import { median } from "./stats.ts";

/** How the benchmark is sized. */
export interface WorkloadBenchOptions {
  /** Requests per second of the open-loop client. */
  rate: number;
  /** Simulated seconds of load (the run is 2 s longer: the Pods start first). */
  seconds: number;
  /** Measured rounds at trace level `off`; their median is the figure. */
  rounds: number;
  /** Measured rounds at trace level `flow` (the tracing cost). */
  flowRounds: number;
  /** Unmeasured runs before the rounds, to warm the JIT. */
  warmup: number;
  seed: number;
}

export const DEFAULT_WORKLOAD_OPTIONS: WorkloadBenchOptions = {
  rate: 1_000,
  seconds: 60,
  rounds: 5,
  flowRounds: 1,
  warmup: 1,
  seed: 1,
};

/** When the client starts: the Deployment's Pods are Running and Ready after podStartDelay (1 s). */
const START_S = 2;

/** The benchmark's scenario: 3 nodes, 9 servers + 1 client, one Service. */
export function workloadScenario(options: Pick<WorkloadBenchOptions, "rate" | "seconds" | "seed">): ScenarioInput {
  return {
    name: "bench-workload",
    description: `HTTP/1.1 (Go Transport) at ${options.rate} requests/s to 9 Pods behind a ClusterIP, 3 nodes`,
    seed: options.seed,
    duration: `${START_S + options.seconds}s`,
    cluster: { nodes: nodes(3), proxy: { mode: "iptables" }, clusterCIDR: "10.244.0.0/16" },
    objects: [
      pod("client", { node: "node-a", labels: { app: "client" } }),
      deployment("web", { replicas: 9, container: "http", port: 8080, portName: "http" }),
      service("web", { ports: [{ name: "http", port: 80, targetPort: "http" }] }),
    ],
    workload: {
      servers: [
        {
          selector: { app: "web" },
          port: 8080,
          responseBytes: 2048,
          serviceTime: "1ms",
          serviceTimeDistribution: "exponential",
        },
      ],
      clients: [
        {
          kind: "http1",
          name: "go",
          from: "client",
          to: { service: "web", port: 80 },
          agent: { preset: "go-transport" },
          load: { type: "open", rate: options.rate },
          start: `${START_S}s`,
        },
      ],
    },
  };
}

/** One run's figures. */
export interface WorkloadRound {
  traceLevel: TraceLevel;
  wallSeconds: number;
  simulatedSeconds: number;
  /** Packets sent by a socket (each followed to its delivery or drop). */
  packets: number;
  /** Scheduler events executed. */
  events: number;
  requests: number;
  requestsOk: number;
  traceEvents: number;
  packetsPerWallSecond: number;
  packetsPerSimulatedSecond: number;
  eventsPerWallSecond: number;
  /** Simulated seconds per wall second. */
  speed: number;
}

/** Runs the scenario once at `traceLevel` and times `runScenario` (not preparing the input). */
export function workloadRound(input: ScenarioInput, traceLevel: TraceLevel): WorkloadRound {
  const prepared = prepareScenario(input, "bench/workload.ts");
  const started = performance.now();
  const result: RunResult = runScenario(prepared, { traceLevel });
  const wallSeconds = (performance.now() - started) / 1e3;
  const simulatedSeconds = result.durationNs / 1e9;
  const packets = result.metrics.packets.sent;
  const events = result.cluster.scheduler.fired;
  return {
    traceLevel,
    wallSeconds,
    simulatedSeconds,
    packets,
    events,
    requests: result.metrics.requests.total,
    requestsOk: result.metrics.requests.ok,
    traceEvents: result.trace.length,
    packetsPerWallSecond: packets / wallSeconds,
    packetsPerSimulatedSecond: packets / simulatedSeconds,
    eventsPerWallSecond: events / wallSeconds,
    speed: simulatedSeconds / wallSeconds,
  };
}

/** Medians over the rounds at one trace level. */
export interface WorkloadMedians {
  traceLevel: TraceLevel;
  rounds: number;
  wallSeconds: number;
  packetsPerWallSecond: number;
  packetsPerSimulatedSecond: number;
  eventsPerWallSecond: number;
  speed: number;
}

/** The whole benchmark's results. */
export interface WorkloadBenchResults {
  options: WorkloadBenchOptions;
  off: WorkloadMedians;
  flow?: WorkloadMedians;
  /** Flow wall time over off wall time (medians). */
  flowOverOff?: number;
  rounds: WorkloadRound[];
}

function medians(traceLevel: TraceLevel, rounds: readonly WorkloadRound[]): WorkloadMedians {
  const m = (f: (r: WorkloadRound) => number) => median(rounds.map(f));
  return {
    traceLevel,
    rounds: rounds.length,
    wallSeconds: m((r) => r.wallSeconds),
    packetsPerWallSecond: m((r) => r.packetsPerWallSecond),
    packetsPerSimulatedSecond: m((r) => r.packetsPerSimulatedSecond),
    eventsPerWallSecond: m((r) => r.eventsPerWallSecond),
    speed: m((r) => r.speed),
  };
}

/** Runs the warm-up, the `off` rounds and the `flow` rounds. */
export function runWorkloadBench(
  options: WorkloadBenchOptions = DEFAULT_WORKLOAD_OPTIONS,
  log: (line: string) => void = () => {},
): WorkloadBenchResults {
  const input = workloadScenario(options);
  for (let i = 0; i < options.warmup; i++) workloadRound(input, "off");
  const rounds: WorkloadRound[] = [];
  const plan: TraceLevel[] = [
    ...Array<TraceLevel>(options.rounds).fill("off"),
    ...Array<TraceLevel>(options.flowRounds).fill("flow"),
  ];
  for (const level of plan) {
    const r = workloadRound(input, level);
    rounds.push(r);
    log(
      `  ${level.padEnd(4)} ${r.wallSeconds.toFixed(2)} s wall, ${r.packets} packets, ${r.events} events, ` +
        `${r.requestsOk}/${r.requests} requests ok, ${r.traceEvents} trace events`,
    );
  }
  const off = medians(
    "off",
    rounds.filter((r) => r.traceLevel === "off"),
  );
  const flowRounds = rounds.filter((r) => r.traceLevel === "flow");
  const flow = flowRounds.length > 0 ? medians("flow", flowRounds) : undefined;
  return {
    options,
    off,
    ...(flow ? { flow, flowOverOff: flow.wallSeconds / off.wallSeconds } : {}),
    rounds,
  };
}

/** The results as a table of medians. */
export function workloadTable(results: WorkloadBenchResults): string {
  const rows = [results.off, ...(results.flow ? [results.flow] : [])].map((m) => [
    m.traceLevel,
    String(m.rounds),
    `${m.wallSeconds.toFixed(2)} s`,
    `${(m.speed).toFixed(1)}×`,
    `${(m.packetsPerWallSecond / 1e3).toFixed(0)} k/s`,
    `${(m.packetsPerSimulatedSecond / 1e3).toFixed(2)} k/s`,
    `${(m.eventsPerWallSecond / 1e6).toFixed(2)} M/s`,
  ]);
  const head = [
    "trace",
    "rounds",
    "wall (median)",
    "sim s / wall s",
    "packets / wall s",
    "packets / sim s",
    "events / wall s",
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  const out = [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  if (results.flowOverOff !== undefined)
    out.push("", `flow trace costs ${results.flowOverOff.toFixed(2)}× the wall time of off`);
  return out.join("\n");
}
