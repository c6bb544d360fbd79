/**
 * Node settings on the command line, under kube-proxy's and kube-apiserver's
 * own flag names, shared by `svcsim explain` and `svcsim inspect`.
 */
import type { ClusterNetworkConfig, Node } from "../api/index.ts";
import { InputError } from "../engine/index.ts";
import { tryParseCidr, tryParseIPv4 } from "../net/index.ts";
import type { IptablesProxierConfig } from "../proxy/index.ts";

/** The node flags, parsed and checked. */
export interface NodeFlags {
  /** `--proxy-mode`: only iptables is explained. */
  readonly proxyMode: "iptables";
  /** `--hostname-override`. */
  readonly hostnameOverride?: string;
  /** `--node-ip`, repeatable (and comma-separated, as kubelet accepts it). */
  readonly nodeIPs: readonly string[];
  /** `--cluster-cidr`: turns on local-traffic detection by CIDR; absent means none. */
  readonly clusterCIDR?: string;
  /** `--masquerade-all`. */
  readonly masqueradeAll: boolean;
  /** `--nodeport-addresses`, split on commas; `primary`, `localhost` and `all` are kube-proxy's keywords. */
  readonly nodePortAddresses?: readonly string[];
  /** `--iptables-localhost-nodeports`. */
  readonly localhostNodePorts?: boolean;
  /** `--service-cluster-ip-range` and `--service-node-port-range` (for allocating from manifests). */
  readonly network: Partial<ClusterNetworkConfig>;
  /** Which node flags were given, by name (to warn when a dump makes them moot). */
  readonly given: readonly string[];
}

/** The parseArgs options of the node flags (booleans are taken out first, see {@link takeBoolFlags}). */
export const NODE_FLAG_OPTIONS = {
  "proxy-mode": { type: "string" },
  "hostname-override": { type: "string" },
  "node-ip": { type: "string", multiple: true },
  "cluster-cidr": { type: "string" },
  "nodeport-addresses": { type: "string" },
  "service-cluster-ip-range": { type: "string" },
  "service-node-port-range": { type: "string" },
} as const;

/** Boolean node flags, Go style: `--flag` is true, `--flag=false` is false. */
export const NODE_BOOL_FLAGS = ["masquerade-all", "iptables-localhost-nodeports"] as const;

/** Usage lines of the node flags. */
export const NODE_FLAGS_HELP = `Node settings (kube-proxy and kube-apiserver flag names):
  --proxy-mode iptables                  the only mode explained
  --hostname-override <node>             default: the first Node in the manifests, else "node"
  --node-ip <ip>                         repeatable; default: that Node's InternalIP
  --cluster-cidr <cidr>                  local-traffic detection by source CIDR; absent means none
  --masquerade-all[=<bool>]
  --nodeport-addresses <cidr,…>          also primary, localhost, all; default: every local address
  --iptables-localhost-nodeports=<bool>  default true
  --service-cluster-ip-range <cidr>      for manifests without clusterIP (default 10.96.0.0/12)
  --service-node-port-range <a-b>        for manifests without nodePort (default 30000-32767)`;

/** `--nodeport-addresses` keywords; `primary` is resolved per node (see {@link resolveNode}). */
// why: pkg/proxy/apis/config NodePortAddressesPrimary / Localhost / All — symbolic values
// resolved to CIDRs, combinable with each other and with literal CIDRs.
const NODEPORT_KEYWORDS: Readonly<Record<string, string | undefined>> = {
  primary: undefined,
  localhost: "127.0.0.0/8",
  all: "0.0.0.0/0",
};

/** Go's strconv.ParseBool, which pflag uses for `--flag=value`. */
function parseGoBool(flag: string, text: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  throw new InputError([`--${flag}: expected true or false, got "${text}"`]);
}

/** Removes the Go-style boolean flags from `args`; returns the rest and their values. */
export function takeBoolFlags(
  args: readonly string[],
  names: readonly string[],
): { rest: string[]; bools: Map<string, boolean> } {
  const rest: string[] = [];
  const bools = new Map<string, boolean>();
  args.forEach((arg, i) => {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[1];
    if (!m || name === undefined || !names.includes(name)) {
      rest.push(arg);
      return;
    }
    const next = args[i + 1];
    // why: pflag's boolean flags never take the next word as their value.
    if (m[2] === undefined && (next === "true" || next === "false"))
      throw new InputError([`--${name}: write --${name}=${next} (a boolean flag takes no separate value)`]);
    bools.set(name, m[2] === undefined ? true : parseGoBool(name, m[2]));
  });
  return { rest, bools };
}

function cidr(flag: string, text: string, problems: string[]): string {
  if (!text.includes("/") || tryParseCidr(text) === undefined)
    problems.push(`--${flag}: expected an IPv4 CIDR such as 10.0.0.0/8, got "${text}"`);
  return text;
}

function portRange(text: string, problems: string[]): [number, number] | undefined {
  const m = /^(\d+)-(\d+)$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (m && lo >= 1 && hi <= 65535 && lo <= hi) return [lo, hi];
  problems.push(`--service-node-port-range: expected <low>-<high> such as 30000-32767, got "${text}"`);
  return undefined;
}

/** Parses and checks the node flags; throws one InputError listing every bad flag. */
export function parseNodeFlags(
  values: Partial<Record<keyof typeof NODE_FLAG_OPTIONS, string | string[] | undefined>>,
  bools: ReadonlyMap<string, boolean>,
): NodeFlags {
  const problems: string[] = [];
  const str = (k: keyof typeof NODE_FLAG_OPTIONS) => values[k] as string | undefined;
  const mode = str("proxy-mode") ?? "iptables";
  if (mode !== "iptables") problems.push(`--proxy-mode: only "iptables" can be explained, got "${mode}"`);
  const nodeIPs = ((values["node-ip"] as string[] | undefined) ?? []).flatMap((v) => v.split(","));
  for (const ip of nodeIPs)
    if (tryParseIPv4(ip) === undefined) problems.push(`--node-ip: expected an IPv4 address, got "${ip}"`);
  const clusterCIDR = str("cluster-cidr");
  if (clusterCIDR !== undefined) cidr("cluster-cidr", clusterCIDR, problems);
  const npa = str("nodeport-addresses")?.split(",");
  // why: kube-proxy takes both families' CIDRs here and ignores the other family's (IPv6) ones.
  for (const c of npa ?? [])
    if (!(c in NODEPORT_KEYWORDS) && !/^[0-9a-fA-F:]*:[0-9a-fA-F:.]*\/\d+$/.test(c))
      cidr("nodeport-addresses", c, problems);
  const network: Partial<ClusterNetworkConfig> = {};
  const svcRange = str("service-cluster-ip-range");
  if (svcRange !== undefined) network.serviceCIDR = cidr("service-cluster-ip-range", svcRange, problems);
  const npRange = str("service-node-port-range");
  const range = npRange === undefined ? undefined : portRange(npRange, problems);
  if (range) network.nodePortRange = range;
  if (problems.length > 0) throw new InputError(problems);
  const hostname = str("hostname-override");
  const localhost = bools.get("iptables-localhost-nodeports");
  const given = [
    ...Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined),
    ...bools.keys(),
  ].sort();
  return {
    proxyMode: "iptables",
    ...(hostname !== undefined ? { hostnameOverride: hostname } : {}),
    nodeIPs,
    ...(clusterCIDR !== undefined ? { clusterCIDR } : {}),
    masqueradeAll: bools.get("masquerade-all") ?? false,
    ...(npa !== undefined ? { nodePortAddresses: npa } : {}),
    ...(localhost !== undefined ? { localhostNodePorts: localhost } : {}),
    network,
    given,
  };
}

/** The node a manifest set is explained on: its name, its IPs and the proxier config. */
export interface ResolvedNode {
  readonly name: string;
  readonly ips: readonly string[];
  readonly config: IptablesProxierConfig;
}

/**
 * Resolves the node: `--hostname-override`, else the first Node in the
 * manifests, else "node"; `--node-ip`, else that Node's InternalIP.
 */
export function resolveNode(flags: NodeFlags, nodes: readonly Node[]): ResolvedNode {
  const name = flags.hostnameOverride ?? nodes[0]?.metadata.name ?? "node";
  const node = nodes.find((n) => n.metadata.name === name);
  const internal = node?.status.addresses.find((a) => a.type === "InternalIP")?.address;
  const ips = flags.nodeIPs.length > 0 ? flags.nodeIPs : internal !== undefined ? [internal] : [];
  // why: `--nodeport-addresses primary` resolves to the node's primary IP (of each family).
  const npa = flags.nodePortAddresses?.flatMap((c) =>
    c === "primary" ? ips.slice(0, 1).map((ip) => `${ip}/32`) : [NODEPORT_KEYWORDS[c] ?? c],
  );
  const config: IptablesProxierConfig = {
    nodeName: name,
    ...(ips[0] !== undefined ? { nodeIP: ips[0] } : {}),
    localAddresses: ["127.0.0.1", ...ips],
    nodeLabels: node?.metadata.labels ?? {},
    // why: kube-proxy's --detect-local-mode defaults to ClusterCIDR, and with no --cluster-cidr
    // it falls back to the no-op detector (server_linux.go getLocalDetector).
    localDetector:
      flags.clusterCIDR !== undefined ? { mode: "ClusterCIDR", cidr: flags.clusterCIDR } : { mode: "None" },
    masqueradeAll: flags.masqueradeAll,
    ...(npa !== undefined ? { nodePortAddresses: npa } : {}),
    ...(flags.localhostNodePorts !== undefined ? { localhostNodePorts: flags.localhostNodePorts } : {}),
  };
  return { name, ips, config };
}
