import { CLUSTER_DOMAIN } from "./names.ts";

/** A Pod's /etc/resolv.conf, as glibc reads it. */
export interface ResolvConf {
  /** `nameserver` lines, in order (glibc uses at most MAXNS = 3). */
  readonly nameservers: readonly string[];
  /** The `search` list, in order. */
  readonly search: readonly string[];
  /** `options ndots:n`: a name with at least this many dots is first tried as is. */
  readonly ndots: number;
  /** `options timeout:n`, seconds: how long each try waits for an answer. */
  readonly timeout: number;
  /** `options attempts:n`: how many times each name is sent. */
  readonly attempts: number;
}

/** glibc's default per-try timeout, seconds. */
// why: glibc resolv/resolv.h `#define RES_TIMEOUT 5 /* min. seconds between retries */`.
export const RES_TIMEOUT = 5;
/** glibc's default number of tries. */
// why: glibc resolv/resolv.h `#define RES_DFLRETRY 2 /* Default #/tries. */`.
export const RES_DFLRETRY = 2;
/** glibc's largest ndots. */
// why: glibc resolv/resolv.h `#define RES_MAXNDOTS 15`.
export const RES_MAXNDOTS = 15;
/** The ndots kubelet writes for ClusterFirst Pods. */
// why: pkg/kubelet/network/dns/dns.go `defaultDNSOptions = []string{"ndots:5"}`.
export const KUBELET_NDOTS = 5;

/** How kubelet is configured, and the node's own resolv.conf search list. */
export interface PodDnsConfig {
  /** kubelet `--cluster-dns`: the kube-dns Service's ClusterIP. */
  clusterDNS: string;
  /** kubelet `--cluster-domain` (default `cluster.local`). */
  clusterDomain?: string;
  /** The node's /etc/resolv.conf `search` domains, appended after the cluster's. */
  hostSearch?: readonly string[];
  /** Overrides of the glibc options (a Pod's `dnsConfig.options`). */
  ndots?: number;
  timeout?: number;
  attempts?: number;
}

/**
 * The resolv.conf kubelet writes into a `dnsPolicy: ClusterFirst` Pod of
 * `namespace`: the cluster DNS as the only nameserver; search
 * `<ns>.svc.<domain> svc.<domain> <domain>` then the node's own search
 * domains, duplicates dropped; `options ndots:5`. timeout and attempts stay
 * at glibc's defaults unless overridden.
 */
// why: pkg/kubelet/network/dns/dns.go GetPodDNS (podDNSCluster) and
// generateSearchesForDNSClusterFirst: clusterSearch then hostSearch, omitDuplicates.
export function podResolvConf(namespace: string, config: PodDnsConfig): ResolvConf {
  const domain = config.clusterDomain ?? CLUSTER_DOMAIN;
  const search: string[] = [];
  for (const d of [`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...(config.hostSearch ?? [])]) {
    if (!search.includes(d)) search.push(d);
  }
  return {
    nameservers: [config.clusterDNS],
    search,
    ndots: Math.min(config.ndots ?? KUBELET_NDOTS, RES_MAXNDOTS),
    timeout: config.timeout ?? RES_TIMEOUT,
    attempts: config.attempts ?? RES_DFLRETRY,
  };
}
