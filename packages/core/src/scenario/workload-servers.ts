import type { Pod } from "../api/index.ts";
import { selectorMatches } from "../control/index.ts";
import type { NetNamespace } from "../net/index.ts";
import {
  GO_HTTP2_SERVER,
  grpcServer,
  H2Server,
  RequestServer,
  type ServedSource,
  type ServiceTime,
} from "../workload/index.ts";
import { podKey, type SimCluster } from "./cluster.ts";
import type { Scenario, ServerSpec } from "./schema.ts";

/** A server application the scenario started in a Pod: what the metrics read of it. */
export interface StartedServer {
  readonly kind: ServerSpec["kind"];
  /** Connections it accepted (0 for UDP). */
  accepted(): number;
}

/**
 * Starts every server spec in each Pod its selector matches, once the Pod is
 * Running (its container has started), now or later. `onRequest` counts
 * each request (or datagram) served, by Pod key.
 */
export function installServers(
  cluster: SimCluster,
  workload: Scenario["workload"],
  everServed: Map<string, StartedServer[]>,
  onRequest: (pod: string, source: ServedSource) => void,
): void {
  const live = new Set<string>();
  const startServers = (pod: Pod) => {
    const key = podKey(pod);
    const netns = cluster.network.pod(key);
    if (!netns || live.has(key) || pod.status.phase !== "Running") return;
    live.add(key);
    const matching = workload.servers.filter((s) => matchesServer(s, pod));
    const started = matching.map((spec) => startServer(cluster, workload, spec, key, netns, onRequest));
    everServed.set(key, [...(everServed.get(key) ?? []), ...started]);
  };
  cluster.store.watch((event) => {
    if (event.kind === "Pod" && event.verb !== "delete") startServers(event.object);
  });
  cluster.podHooks.attached.push(startServers);
  cluster.podHooks.detached.push((pod) => live.delete(podKey(pod)));
}

function startServer(
  cluster: SimCluster,
  workload: Scenario["workload"],
  spec: ServerSpec,
  pod: string,
  netns: NetNamespace,
  onRequest: (pod: string, source: ServedSource) => void,
): StartedServer {
  const common = {
    pod,
    netns,
    scheduler: cluster.scheduler,
    rng: cluster.rng,
    port: spec.port,
    serviceTime: serviceTime(spec),
    tcp: workload.tcp,
    onRequest,
    proxyProtocol: spec.proxyProtocol,
    ...(spec.workers !== undefined ? { workers: spec.workers } : {}),
  };
  switch (spec.kind) {
    case "request": {
      const server = new RequestServer({
        ...common,
        protocol: spec.protocol,
        responseBytes: spec.responseBytes,
        reply: spec.reply,
        sigterm: spec.sigterm,
      });
      return { kind: spec.kind, accepted: () => server.listener?.accepted ?? 0 };
    }
    case "http2":
    case "grpc": {
      const age = spec.maxConnectionAge;
      const grace = spec.maxConnectionAgeGrace;
      const server =
        spec.kind === "grpc"
          ? grpcServer({
              ...common,
              responseBytes: spec.responseBytes,
              ...(age !== undefined ? { maxConnectionAge: age } : {}),
              ...(grace !== undefined ? { maxConnectionAgeGrace: grace } : {}),
              ...(spec.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: spec.maxConcurrentStreams } : {}),
            })
          : new H2Server({
              ...common,
              settings: GO_HTTP2_SERVER,
              responseBytes: spec.responseBytes,
              ...(age !== undefined
                ? { maxConnectionAge: { maxAge: age, ...(grace !== undefined ? { grace } : {}) } }
                : {}),
            });
      return { kind: spec.kind, accepted: () => server.accepted };
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
