import type { Pod } from "../api/index.ts";
import { selectorMatches } from "../control/index.ts";
import {
  Http1Agent,
  http1AgentConfig,
  LoadGenerator,
  RequestClient,
  type RequestRecord,
  RequestServer,
  type ServiceTime,
} from "../workload/index.ts";
import { podKey, type SimCluster } from "./cluster.ts";
import type { ScenarioDns } from "./dns.ts";
import type { ClientSpec, Scenario, ServerSpec } from "./schema.ts";
import { loadPlanOf, staticTarget, targetLookup } from "./targets.ts";

/** The workload's live state: request records, requests served and connections accepted per Pod. */
export interface WorkloadState {
  readonly records: RequestRecord[];
  /** Requests served, by Pod key (`namespace/name`). */
  readonly served: Map<string, number>;
  /** Every server started, by Pod key (those of Pods since deleted included). */
  readonly servers: ReadonlyMap<string, readonly RequestServer[]>;
  /** The HTTP/1.1 agents, by client name. */
  readonly agents: ReadonlyMap<string, Http1Agent>;
  /** TCP connections accepted by each Pod's servers, by Pod key. */
  connections(): Map<string, number>;
}

/** What the workload can use besides the cluster. */
export interface WorkloadEnv {
  /** Cluster DNS, for clients that send to a name. */
  readonly dns?: ScenarioDns;
}

/**
 * Starts the scenario's servers and clients as their Pods appear: a server in
 * every Pod its selector matches, listening once the Pod is Running (its
 * container has started); a client in its `from` Pod as soon as that Pod has
 * an address.
 */
export function installWorkload(
  cluster: SimCluster,
  workload: Scenario["workload"],
  env: WorkloadEnv = {},
): WorkloadState {
  const everServed = new Map<string, RequestServer[]>();
  const agents = new Map<string, Http1Agent>();
  const state: WorkloadState = {
    records: [],
    served: new Map(),
    servers: everServed,
    agents,
    connections: () => {
      const out = new Map<string, number>();
      for (const [pod, list] of everServed) {
        out.set(
          pod,
          list.reduce((n, s) => n + (s.listener?.accepted ?? 0), 0),
        );
      }
      return out;
    },
  };
  installServers(cluster, workload, state, everServed);
  for (const spec of workload.clients) {
    const key = `${spec.namespace}/${spec.from}`;
    let started = false;
    cluster.podHooks.attached.push((pod) => {
      if (started || podKey(pod) !== key) return;
      started = true;
      startClient(cluster, workload, spec, key, state, agents, env);
    });
  }
  return state;
}

function installServers(
  cluster: SimCluster,
  workload: Scenario["workload"],
  state: WorkloadState,
  everServed: Map<string, RequestServer[]>,
): void {
  const live = new Set<string>();
  const startServers = (pod: Pod) => {
    const key = podKey(pod);
    const netns = cluster.network.pod(key);
    if (!netns || live.has(key) || pod.status.phase !== "Running") return;
    live.add(key);
    const matching = workload.servers.filter((s) => matchesServer(s, pod));
    const started = matching.map(
      (spec) =>
        new RequestServer({
          pod: key,
          netns,
          scheduler: cluster.scheduler,
          rng: cluster.rng,
          protocol: spec.protocol,
          port: spec.port,
          responseBytes: spec.responseBytes,
          serviceTime: serviceTime(spec),
          workers: spec.workers,
          tcp: workload.tcp,
          onRequest: (p) => state.served.set(p, (state.served.get(p) ?? 0) + 1),
        }),
    );
    everServed.set(key, [...(everServed.get(key) ?? []), ...started]);
  };
  cluster.store.watch((event) => {
    if (event.kind === "Pod" && event.verb !== "delete") startServers(event.object);
  });
  cluster.podHooks.attached.push(startServers);
  cluster.podHooks.detached.push((pod) => live.delete(podKey(pod)));
}

/** Starts one client in its Pod, by kind. More kinds (HTTP/2, gRPC) get a case here. */
function startClient(
  cluster: SimCluster,
  workload: Scenario["workload"],
  spec: ClientSpec,
  pod: string,
  state: WorkloadState,
  agents: Map<string, Http1Agent>,
  env: WorkloadEnv,
): void {
  const netns = cluster.network.pod(pod);
  if (!netns) return;
  switch (spec.kind) {
    case "connection-per-request":
      new RequestClient({
        name: spec.name,
        netns,
        scheduler: cluster.scheduler,
        rng: cluster.rng,
        protocol: spec.protocol,
        target: staticTarget(cluster, spec.namespace, spec.to),
        requestBytes: spec.requestBytes,
        requests: spec.requests,
        interval: spec.interval,
        start: spec.start,
        timeout: spec.timeout,
        connectTimeout: spec.connectTimeout,
        retries: spec.retries,
        tcp: workload.tcp,
        records: state.records,
      });
      return;
    case "http1": {
      const { preset, idleTimeout, connectTimeout, ...overrides } = spec.agent;
      const agent = new Http1Agent({
        name: spec.name,
        netns,
        scheduler: cluster.scheduler,
        rng: cluster.rng,
        tcp: workload.tcp,
        config: http1AgentConfig(preset, {
          ...overrides,
          ...(idleTimeout === undefined ? {} : { idleTimeout: idleTimeout === "none" ? undefined : idleTimeout }),
          ...(connectTimeout === undefined
            ? {}
            : { connectTimeout: connectTimeout === "none" ? undefined : connectTimeout }),
        }),
        target: targetLookup(cluster, env.dns?.system, pod, spec.namespace, spec.to),
      });
      agents.set(spec.name, agent);
      new LoadGenerator({
        name: spec.name,
        scheduler: cluster.scheduler,
        rng: cluster.rng,
        carrier: agent,
        plan: loadPlanOf(spec.load),
        start: spec.start,
        ...(spec.stop !== undefined ? { stop: spec.stop } : {}),
        timeout: spec.timeout,
        requestBytes: spec.requestBytes,
        responseBytes: 0,
        records: state.records,
      });
      return;
    }
  }
}

/** The server's service time as the workload models it. */
function serviceTime(spec: ServerSpec): ServiceTime {
  switch (spec.serviceTimeDistribution) {
    case "constant":
      return { kind: "constant", value: spec.serviceTime };
    case "exponential":
      return { kind: "exponential", mean: spec.serviceTime };
    case "lognormal":
      return { kind: "lognormal", median: spec.serviceTime, sigma: spec.serviceTimeSigma };
  }
}

function matchesServer(spec: ServerSpec, pod: Pod): boolean {
  return pod.metadata.namespace === spec.namespace && selectorMatches(spec.selector, pod.metadata.labels);
}
