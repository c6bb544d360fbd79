import type { Pod } from "../api/index.ts";
import { selectorMatches } from "../control/index.ts";
import { parseIPv4 } from "../net/index.ts";
import {
  RequestClient,
  type RequestRecord,
  RequestServer,
  type ServiceTime,
  type TargetResolver,
} from "../workload/index.ts";
import { podKey, type SimCluster } from "./cluster.ts";
import type { ClientSpec, Scenario, ServerSpec } from "./schema.ts";

/** The workload's live state: request records and requests served per Pod. */
export interface WorkloadState {
  readonly records: RequestRecord[];
  /** Requests served, by Pod key (`namespace/name`). */
  readonly served: Map<string, number>;
}

/**
 * Starts the scenario's servers and clients as their Pods appear: a server in
 * every Pod its selector matches, listening once the Pod is Running (its
 * container has started); a client in its `from` Pod as soon as that Pod has
 * an address.
 */
export function installWorkload(cluster: SimCluster, workload: Scenario["workload"]): WorkloadState {
  const state: WorkloadState = { records: [], served: new Map() };
  const servers = new Map<string, RequestServer[]>();
  const startServers = (pod: Pod) => {
    const key = podKey(pod);
    const netns = cluster.network.pod(key);
    if (!netns || servers.has(key) || pod.status.phase !== "Running") return;
    const matching = workload.servers.filter((s) => matchesServer(s, pod));
    servers.set(
      key,
      matching.map(
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
      ),
    );
  };
  cluster.store.watch((event) => {
    if (event.kind === "Pod" && event.verb !== "delete") startServers(event.object);
  });
  cluster.podHooks.attached.push(startServers);
  cluster.podHooks.detached.push((pod) => servers.delete(podKey(pod)));

  for (const spec of workload.clients) {
    const key = `${spec.namespace}/${spec.from}`;
    let started = false;
    cluster.podHooks.attached.push((pod) => {
      if (started || podKey(pod) !== key) return;
      started = true;
      new RequestClient({
        name: spec.name,
        netns: cluster.network.pod(key)!,
        scheduler: cluster.scheduler,
        rng: cluster.rng,
        protocol: spec.protocol,
        target: resolver(cluster, spec),
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
    });
  }
  return state;
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

/** Resolves a client's target at each request, from the API objects as they are then. */
function resolver(cluster: SimCluster, spec: ClientSpec): TargetResolver {
  const to = spec.to;
  if (typeof to === "string") {
    const [ip, port] = to.split(":");
    const target = { ip: parseIPv4(ip as string), port: Number(port) };
    return () => target;
  }
  if ("pod" in to) {
    return () => {
      const ip = cluster.store.get("Pod", `${spec.namespace}/${to.pod}`)?.status.podIP;
      return ip ? { ip: parseIPv4(ip), port: to.port } : undefined;
    };
  }
  return () => {
    const svc = cluster.store.get("Service", `${to.namespace}/${to.service}`);
    const ip = svc?.spec.clusterIP;
    const port = svc?.spec.ports.find((p) => p.port === to.port || p.name === to.port);
    if (!ip || ip === "None" || !port) return undefined;
    return { ip: parseIPv4(ip), port: port.port };
  };
}
