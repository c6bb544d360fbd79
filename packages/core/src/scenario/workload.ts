import { SourceCounter } from "../metrics/index.ts";
import type { NetNamespace } from "../net/index.ts";
import type { Http1Agent, RequestRecord, UdpSender } from "../workload/index.ts";
import { podKey, type SimCluster } from "./cluster.ts";
import type { ScenarioDns } from "./dns.ts";
import type { Scenario } from "./schema.ts";
import { type ClientEnv, startClient, startSender } from "./workload-clients.ts";
import { installServers, type StartedServer } from "./workload-servers.ts";

/** The workload's live state: request records, requests served and connections accepted per Pod. */
export interface WorkloadState {
  readonly records: RequestRecord[];
  /** Requests (and UDP datagrams) served, by Pod key (`namespace/name`). */
  readonly served: Map<string, number>;
  /** Every server started, by Pod key (those of Pods since deleted included). */
  readonly servers: ReadonlyMap<string, readonly StartedServer[]>;
  /** The HTTP/1.1 agents, by client name. */
  readonly agents: ReadonlyMap<string, Http1Agent>;
  /** The UDP senders, by name. */
  readonly senders: ReadonlyMap<string, UdpSender>;
  /** Requests served by the source each Pod's application saw. */
  readonly sources: SourceCounter;
  /** TCP connections accepted by each Pod's servers, by Pod key. */
  connections(): Map<string, number>;
}

/** What the workload can use besides the cluster. */
export interface WorkloadEnv {
  /** Cluster DNS, for clients that send to a name. */
  readonly dns?: ScenarioDns;
  /** External hosts' namespaces by name, for clients `from: { external }`. */
  readonly external?: ReadonlyMap<string, NetNamespace>;
}

/**
 * Starts the scenario's servers, clients and senders as their Pods appear: a
 * server in every Pod its selector matches, listening once the Pod is
 * Running (its container has started); a client or sender in its `from` Pod
 * as soon as that Pod has an address; an external client at once.
 */
export function installWorkload(
  cluster: SimCluster,
  workload: Scenario["workload"],
  env: WorkloadEnv = {},
): WorkloadState {
  const everServed = new Map<string, StartedServer[]>();
  const agents = new Map<string, Http1Agent>();
  const senders = new Map<string, UdpSender>();
  const state: WorkloadState = {
    records: [],
    served: new Map(),
    servers: everServed,
    agents,
    senders,
    sources: new SourceCounter(),
    connections: () => {
      const out = new Map<string, number>();
      for (const [pod, list] of everServed)
        out.set(
          pod,
          list.reduce((n, s) => n + s.accepted(), 0),
        );
      return out;
    },
  };
  installServers(cluster, workload, everServed, (p, source) => {
    state.served.set(p, (state.served.get(p) ?? 0) + 1);
    state.sources.record(p, source);
  });
  const clientEnv: ClientEnv = { cluster, workload, dns: env.dns, records: state.records, agents };
  const once = (key: string, start: () => void) => {
    let started = false;
    cluster.podHooks.attached.push((pod) => {
      if (started || podKey(pod) !== key) return;
      started = true;
      start();
    });
  };
  for (const spec of workload.clients) {
    if (typeof spec.from === "object") {
      const netns = env.external?.get(spec.from.external);
      // The schema has checked the name against cluster.external.
      if (netns) startClient(clientEnv, spec, netns, undefined);
      continue;
    }
    const key = `${spec.namespace}/${spec.from}`;
    once(key, () => {
      const netns = cluster.network.pod(key);
      if (netns) startClient(clientEnv, spec, netns, key);
    });
  }
  for (const spec of workload.senders) {
    const key = `${spec.namespace}/${spec.from}`;
    once(key, () => {
      const sender = startSender(clientEnv, spec, key);
      if (sender) senders.set(spec.name, sender);
    });
  }
  return state;
}
