import type { Pod } from "../api/index.ts";
import { type ApiStore, selectorMatches } from "../control/index.ts";
import { InputError, ms, type Nanos, type Rng, type Scheduler, us } from "../engine/index.ts";
import type { NetNamespace } from "../net/index.ts";
import { type CachePluginOptions, CoreDns, type CoreDnsConfig } from "./coredns.ts";
import type { AddressFamily } from "./exchange.ts";
import { DnsInformer } from "./informer.ts";
import { CLUSTER_DOMAIN } from "./names.ts";
import { KUBEADM_COREFILE_TTL } from "./records.ts";
import { podResolvConf, type ResolvConf } from "./resolv-conf.ts";
import { type ClientCacheOptions, type LookupRecord, PodResolver } from "./resolver.ts";
import { CoreDnsServer } from "./server.ts";
import { type UpstreamOptions, UpstreamTable } from "./upstream.ts";

/** The parts of a running cluster DNS hooks into (a `SimCluster` has them all). */
export interface DnsClusterDeps {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly store: ApiStore;
  readonly network: { pod(key: string): NetNamespace | undefined };
  readonly podHooks: { attached: ((pod: Pod) => void)[]; detached: ((pod: Pod) => void)[] };
}

/** Cluster DNS settings; every field has a default. */
export interface DnsOptions {
  /** Where the CoreDNS Pods and the kube-dns Service live (default `kube-system`). */
  namespace?: string;
  /** Labels of the CoreDNS Pods (default `k8s-app: kube-dns`, kubeadm's). */
  selector?: Record<string, string>;
  /** The Service whose ClusterIP is the Pods' nameserver when `clusterDNS` is absent (default `kube-dns`). */
  service?: string;
  /** kubelet `--cluster-dns`; default: the kube-dns Service's ClusterIP. */
  clusterDNS?: string;
  /** kubelet `--cluster-domain` and the kubernetes plugin's zone (default `cluster.local`). */
  clusterDomain?: string;
  /** The kubernetes plugin's `ttl`, seconds (default 30, kubeadm's Corefile; the plugin's own default is 5). */
  ttl?: number;
  /** The kubernetes plugin's `pods` mode (default `insecure`, kubeadm's). */
  pods?: "insecure" | "disabled";
  /** How long CoreDNS's informers lag the API (default 50ms, as the proxy's watch delay). */
  watchDelay?: Nanos;
  /** CoreDNS's time to answer from memory (default 100µs: a parameter, not a measurement). */
  answerDelay?: Nanos;
  /** Extra time for a forwarded query (default 1ms: a parameter). */
  upstreamLatency?: Nanos;
  /** The cache plugin; default kubeadm's `cache 30` with the cluster zone disabled; `false` for none. */
  cache?: CachePluginOptions | false;
  /** The loadbalance plugin (default on, as in kubeadm's Corefile). */
  loadbalance?: boolean;
  /** The world outside the cluster. */
  upstream?: UpstreamOptions;
  /** The nodes' own resolv.conf search domains, which kubelet appends (default none). */
  hostSearch?: string[];
  /** resolv.conf overrides (defaults ndots 5, timeout 5, attempts 2). */
  ndots?: number;
  timeout?: number;
  attempts?: number;
  /** Default address family of resolvers (default `unspec`: A and AAAA). */
  family?: AddressFamily;
  /** A client-side cache for every resolver (default none). */
  clientCache?: ClientCacheOptions;
}

/** Cluster DNS, running. */
export interface DnsSystem {
  readonly informer: DnsInformer;
  /** The CoreDNS servers listening now, by Pod key. */
  readonly servers: ReadonlyMap<string, CoreDnsServer>;
  /** Every lookup of every resolver made through `resolver()`, in start order. */
  readonly lookups: LookupRecord[];
  /** The resolv.conf kubelet would write for a Pod of `namespace`. */
  resolvConf(namespace: string): ResolvConf;
  /** The stub resolver of an attached Pod (one per Pod); undefined until the Pod has a network. */
  resolver(podKey: string): PodResolver | undefined;
}

/** kubeadm's Corefile cache block: `cache 30 { disable success cluster.local; disable denial cluster.local }`. */
export const KUBEADM_CACHE: CachePluginOptions = { successTtl: 30, denialTtl: 30, clusterZone: false };

/**
 * Installs cluster DNS: a CoreDNS server on UDP 53 in every Pod matching the
 * selector, from the moment its container runs (its informer shared by all
 * instances), and a resolver factory whose resolv.conf is the one kubelet
 * writes for ClusterFirst Pods.
 */
export function installDns(deps: DnsClusterDeps, options: DnsOptions = {}): DnsSystem {
  const namespace = options.namespace ?? "kube-system";
  const informer = new DnsInformer({
    store: deps.store,
    scheduler: deps.scheduler,
    watchDelay: options.watchDelay ?? ms(50),
  });
  const servers = runCoreDns(deps, informer, coreDnsConfig(options), namespace, options.selector);
  const lookups: LookupRecord[] = [];
  const resolvers = new Map<string, PodResolver>();
  deps.podHooks.detached.push((pod) => resolvers.delete(`${pod.metadata.namespace}/${pod.metadata.name}`));
  const resolvConf = (ns: string) =>
    podResolvConf(ns, {
      clusterDNS: clusterDNS(deps, options, namespace),
      clusterDomain: options.clusterDomain ?? CLUSTER_DOMAIN,
      ...(options.hostSearch ? { hostSearch: options.hostSearch } : {}),
      ...(options.ndots !== undefined ? { ndots: options.ndots } : {}),
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
      ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    });
  const resolver = (podKey: string) => {
    const existing = resolvers.get(podKey);
    if (existing) return existing;
    const netns = deps.network.pod(podKey);
    if (!netns) return undefined;
    const made = new PodResolver({
      pod: podKey,
      netns,
      scheduler: deps.scheduler,
      rng: deps.rng,
      conf: resolvConf(podKey.split("/")[0] as string),
      ...(options.family ? { family: options.family } : {}),
      ...(options.clientCache ? { cache: options.clientCache } : {}),
      records: lookups,
    });
    resolvers.set(podKey, made);
    return made;
  };
  return { informer, servers, lookups, resolvConf, resolver };
}

/** The Corefile in effect: kubeadm's unless overridden. */
function coreDnsConfig(options: DnsOptions): CoreDnsConfig {
  return {
    zone: options.clusterDomain ?? CLUSTER_DOMAIN,
    ttl: options.ttl ?? KUBEADM_COREFILE_TTL,
    pods: options.pods ?? "insecure",
    upstream: new UpstreamTable(options.upstream),
    ...(options.cache === false ? {} : { cache: options.cache ?? KUBEADM_CACHE }),
    loadbalance: options.loadbalance ?? true,
    answerDelay: options.answerDelay ?? us(100),
    upstreamLatency: options.upstreamLatency ?? ms(1),
  };
}

/**
 * Starts a CoreDNS server in each matching Pod once it is Running with a
 * network (now or later), and stops it when the Pod loses its network.
 */
function runCoreDns(
  deps: DnsClusterDeps,
  informer: DnsInformer,
  config: CoreDnsConfig,
  namespace: string,
  selector: Record<string, string> = { "k8s-app": "kube-dns" },
): Map<string, CoreDnsServer> {
  const servers = new Map<string, CoreDnsServer>();
  const start = (pod: Pod) => {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const netns = deps.network.pod(key);
    if (!netns || servers.has(key) || pod.status.phase !== "Running") return;
    if (pod.metadata.namespace !== namespace || !selectorMatches(selector, pod.metadata.labels)) return;
    const core = new CoreDns(informer, config, key, deps.rng.stream(`dns/coredns/${key}/loadbalance`));
    servers.set(key, new CoreDnsServer({ pod: key, netns, scheduler: deps.scheduler, core }));
  };
  deps.store.watch((event) => {
    if (event.kind === "Pod" && event.verb !== "delete") start(event.object);
  });
  deps.podHooks.attached.push(start);
  deps.podHooks.detached.push((pod) => {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    servers.get(key)?.close();
    servers.delete(key);
  });
  for (const pod of deps.store.list("Pod", namespace)) start(pod);
  return servers;
}

function clusterDNS(deps: DnsClusterDeps, options: DnsOptions, namespace: string): string {
  if (options.clusterDNS) return options.clusterDNS;
  const name = options.service ?? "kube-dns";
  const ip = deps.store.get("Service", `${namespace}/${name}`)?.spec.clusterIP;
  if (!ip || ip === "None") {
    throw new InputError([
      `dns: no clusterDNS given and Service ${namespace}/${name} has no ClusterIP (expected a kube-dns Service or dns.clusterDNS)`,
    ]);
  }
  return ip;
}
