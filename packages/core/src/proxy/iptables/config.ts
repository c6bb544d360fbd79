import { InputError, type Nanos, s } from "../../engine/index.ts";
import { tryParseCidr, tryParseIPv4 } from "../../net/index.ts";
import { type LocalDetectorSpec, type LocalTrafficDetector, localTrafficDetector } from "../local-detector.ts";
import { type NodePortAddresses, nodePortAddresses } from "../node-port-addresses.ts";

/** The node facts and kube-proxy flags the iptables mode is programmed with. */
export interface IptablesProxierConfig {
  /** This node's name (`--hostname-override`), which decides which endpoints are local. */
  readonly nodeName: string;
  /** The node's primary IPv4 address (loadBalancerSourceRanges may allow it). */
  readonly nodeIP?: string;
  /** Every local IPv4 address in interface order (lo first), for `--nodeport-addresses`; default `[127.0.0.1, nodeIP]`. */
  readonly localAddresses?: readonly string[];
  /** The Node's labels (its zone, for topology hints). */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** `--detect-local-mode` and its parameter; default None. */
  readonly localDetector?: LocalDetectorSpec;
  /** `--masquerade-all`; default false. */
  readonly masqueradeAll?: boolean;
  /** `--iptables-masquerade-bit`; default 14 (mark 0x4000). */
  readonly masqueradeBit?: number;
  /** `--nodeport-addresses` CIDRs; default all local addresses. */
  readonly nodePortAddresses?: readonly string[];
  /** `--iptables-localhost-nodeports`; default true. */
  readonly localhostNodePorts?: boolean;
  /** Whether iptables supports `MASQUERADE --random-fully` (1.6.2+); default true. */
  readonly randomFully?: boolean;
  /** Whether the kernel's nfacct counters could be created (kube-proxy 1.29+ metrics); default true. */
  readonly nfacct?: boolean;
  /** `net.netfilter.nf_conntrack_tcp_be_liberal` is set (no INVALID drop rule); default false. */
  readonly conntrackTCPLiberal?: boolean;
  /** `--iptables-sync-period`; default 30s (paces stale-chain cleanup in large clusters). */
  readonly syncPeriod?: Nanos;
  /** The PreferSameTrafficDistribution feature gate; default true. */
  readonly preferSameTrafficDistribution?: boolean;
}

/** The config with defaults applied and derived values computed. */
export interface ResolvedIptablesConfig {
  readonly nodeName: string;
  readonly nodeIP: string | undefined;
  readonly localAddresses: readonly string[];
  readonly nodeLabels: Readonly<Record<string, string>>;
  readonly detector: LocalTrafficDetector;
  readonly masqueradeAll: boolean;
  /** The mark as iptables-save prints it, e.g. `0x4000`. */
  readonly masqueradeMark: string;
  readonly nodePorts: NodePortAddresses;
  readonly localhostNodePorts: boolean;
  readonly randomFully: boolean;
  readonly nfacct: boolean;
  readonly conntrackTCPLiberal: boolean;
  readonly syncPeriod: Nanos;
  readonly preferSameTrafficDistribution: boolean;
}

/** The endpoint count above which kube-proxy drops per-endpoint comments (proxier.go largeClusterEndpointsThreshold). */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

function check(cfg: IptablesProxierConfig): string[] {
  const problems: string[] = [];
  const at = (path: string, what: string) => problems.push(`iptables proxier config: ${path}: expected ${what}`);
  if (!cfg.nodeName) at("nodeName", "a non-empty node name");
  if (cfg.nodeIP !== undefined && tryParseIPv4(cfg.nodeIP) === undefined)
    at("nodeIP", `an IPv4 address, got "${cfg.nodeIP}"`);
  const bit = cfg.masqueradeBit ?? 14;
  if (!Number.isInteger(bit) || bit < 0 || bit > 31) at("masqueradeBit", `an integer in [0, 31], got ${bit}`);
  (cfg.nodePortAddresses ?? []).forEach((c, i) => {
    if (!c.includes("/") || (tryParseCidr(c) === undefined && !c.includes(":")))
      at(`nodePortAddresses[${i}]`, `a CIDR, got "${c}"`);
  });
  return problems;
}

/** Applies defaults; throws {@link InputError} naming each bad field. */
export function resolveIptablesConfig(cfg: IptablesProxierConfig): ResolvedIptablesConfig {
  const problems = check(cfg);
  if (problems.length > 0) throw new InputError(problems);
  const nodePorts = nodePortAddresses(cfg.nodePortAddresses ?? []);
  return {
    nodeName: cfg.nodeName,
    nodeIP: cfg.nodeIP,
    localAddresses: cfg.localAddresses ?? ["127.0.0.1", ...(cfg.nodeIP ? [cfg.nodeIP] : [])],
    nodeLabels: cfg.nodeLabels ?? {},
    detector: localTrafficDetector(cfg.localDetector ?? { mode: "None" }),
    masqueradeAll: cfg.masqueradeAll ?? false,
    // why: kube-proxy uses 1 << masqueradeBit (NewProxier); iptables-save prints the mark as 0x4000.
    masqueradeMark: `0x${(2 ** (cfg.masqueradeBit ?? 14)).toString(16)}`,
    nodePorts,
    // why: NewProxier disables localhostNodePorts when --nodeport-addresses excludes 127.0.0.0/8.
    localhostNodePorts: (cfg.localhostNodePorts ?? true) && nodePorts.containsIPv4Loopback,
    randomFully: cfg.randomFully ?? true,
    nfacct: cfg.nfacct ?? true,
    conntrackTCPLiberal: cfg.conntrackTCPLiberal ?? false,
    syncPeriod: cfg.syncPeriod ?? s(30),
    preferSameTrafficDistribution: cfg.preferSameTrafficDistribution ?? true,
  };
}
