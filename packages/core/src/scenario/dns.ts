import type { Pod } from "../api/index.ts";
import { type CoreDnsServer, type DnsSystem, installDns } from "../dns/index.ts";
import type { Nanos } from "../engine/index.ts";
import { type DnsMetrics, summarizeDns } from "../metrics/index.ts";
import { type PodApp, PodApps } from "../workload/index.ts";
import { podKey, type SimCluster } from "./cluster.ts";
import type { DnsSpec } from "./schema.ts";

/** Cluster DNS in a running scenario, and what its metrics need. */
export interface ScenarioDns {
  readonly system: DnsSystem;
  /** Every CoreDNS server that ever ran, by Pod key (live ones and those whose Pod is gone). */
  readonly servers: ReadonlyMap<string, CoreDnsServer>;
  /** Queries each CoreDNS server had received when its Pod got SIGTERM. */
  readonly queriesAtSigterm: ReadonlyMap<string, number>;
  metrics(): DnsMetrics;
}

/**
 * Installs the scenario's `dns` block: CoreDNS in the kube-dns Pods and a
 * stub resolver per Pod (see `installDns`), each CoreDNS process registered
 * with its Pod's applications so the kubelet's signals reach it.
 */
export function startDns(cluster: SimCluster, spec: DnsSpec): ScenarioDns {
  const servers = new Map<string, CoreDnsServer>();
  const queriesAtSigterm = new Map<string, number>();
  const { lameduck, upstream, cache, clientCache, clusterDNS, ...rest } = spec;
  const system = installDns(cluster, {
    ...rest,
    ...(clusterDNS !== undefined ? { clusterDNS } : {}),
    ...(cache !== undefined ? { cache } : {}),
    ...(clientCache !== undefined ? { clientCache } : {}),
    upstream: { entries: upstream },
  });
  const adopt = (pod: Pod) => {
    const key = podKey(pod);
    const server = system.servers.get(key);
    const netns = cluster.network.pod(key);
    if (!server || servers.has(key) || !netns) return;
    servers.set(key, server);
    PodApps.of(netns).add(coreDnsProcess(cluster, server, lameduck, () => queriesAtSigterm.set(key, server.queries)));
  };
  // Registered after installDns's own hooks, so the Pod's server exists when these run.
  cluster.store.watch((event) => {
    if (event.kind === "Pod" && event.verb !== "delete") adopt(event.object);
  });
  cluster.podHooks.attached.push(adopt);
  for (const pod of cluster.store.list("Pod")) adopt(pod);
  return {
    system,
    servers,
    queriesAtSigterm,
    metrics: () => summarizeDns(system.lookups, servers, queriesAtSigterm),
  };
}

/**
 * The CoreDNS process as the kubelet reaches it. On SIGTERM it keeps
 * answering for `lameduck`, then stops listening and exits; SIGKILL and a
 * crash stop it at once.
 */
// why: coredns plugin/health — "lameduck DURATION will delay shutdown for DURATION";
// kubeadm's Corefile sets `health { lameduck 5s }`.
function coreDnsProcess(cluster: SimCluster, server: CoreDnsServer, lameduck: Nanos, onSigterm: () => void): PodApp {
  let stopping = false;
  return {
    protocol: "UDP",
    port: 53,
    probe: (done) => done(!stopping),
    sigterm: (exited) => {
      if (stopping) return;
      stopping = true;
      onSigterm();
      const stop = () => {
        server.close();
        exited();
      };
      if (lameduck === 0) stop();
      else cluster.scheduler.after(lameduck, stop, "dns/coredns/lameduck");
    },
    sigkill: () => server.close(),
    crash: () => server.close(),
  };
}
