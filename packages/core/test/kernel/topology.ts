/**
 * The network namespaces the kernel differential test runs in, all made and
 * removed by this file:
 *
 *   svcsim-client-N (external clients)  eth0 192.168.0.1 ── eth0 192.168.0.2  svcsim-node-N
 *   svcsim-pods-N   (pods, endpoints)   eth0 192.168.1.1 ── eth1 192.168.1.2  (the simulated node)
 *
 * The node namespace holds the ruleset under test. Its default route leads to
 * the pods namespace, so every DNATed or forwarded packet leaves the node and
 * its conntrack entry is confirmed; MASQUERADE then picks 192.168.1.2, an
 * address no probe is sent from, so a masqueraded source is always visible in
 * the reply tuple. The client and pods namespaces drop every packet that is
 * not for one of their own addresses (raw table) and every new inbound
 * connection (filter), so endpoints stay silent and answers come only from the
 * node: a REJECT's ICMP, a local listener, or nothing.
 */
import { type ExecFileSyncOptions, execFileSync, spawnSync } from "node:child_process";

/**
 * The restore command for the node's ruleset: Debian's `iptables-restore` is
 * iptables-nft (the rules become nf_tables rules using xt matches through
 * nft_compat); `SVCSIM_KERNEL_IPTABLES_RESTORE=iptables-legacy-restore` uses
 * the legacy x_tables backend instead.
 */
export const IPTABLES_RESTORE = process.env.SVCSIM_KERNEL_IPTABLES_RESTORE ?? "iptables-restore";

/** The node's address facing external clients (eth0): the NodePort address probed. */
export const NODE_IP = "192.168.0.2";
/** The node's address facing the pod network (eth1): MASQUERADE's choice for pod-bound packets. */
export const NODE_POD_SIDE_IP = "192.168.1.2";
/** Every address of the node namespace, for `-m addrtype` LOCAL and for kube-proxy's `--nodeport-addresses`. */
export const NODE_ADDRESSES = ["127.0.0.1", NODE_IP, NODE_POD_SIDE_IP] as const;

/** Where a probe is sent from: which namespace and which source address. */
export type SourceKind =
  | "pod"
  | "hairpinLocal"
  | "hairpinRemote"
  | "extIn"
  | "extOut"
  | "otherNode"
  | "node"
  | "localhost";
/** The namespace an agent runs in. */
export type Side = "client" | "pods" | "node";

/** Source addresses by kind. The hairpin ones are endpoints of the pool in `cluster.ts`. */
export const SOURCES: Readonly<Record<SourceKind, { side: Side; ip: string }>> = {
  pod: { side: "pods", ip: "10.0.0.2" },
  hairpinLocal: { side: "pods", ip: "10.180.0.1" },
  hairpinRemote: { side: "pods", ip: "10.180.1.1" },
  extIn: { side: "client", ip: "203.0.113.2" },
  extOut: { side: "client", ip: "203.0.113.130" },
  otherNode: { side: "client", ip: "192.168.0.3" },
  node: { side: "node", ip: NODE_IP },
  localhost: { side: "node", ip: "127.0.0.1" },
};

/** The three namespace names of this process (a suffix keeps concurrent runs apart). */
export interface Topology {
  readonly ns: Readonly<Record<Side, string>>;
}

const INSTALL_HINT =
  "Install the tools with `apt-get update && apt-get install -y iptables conntrack iproute2` and run as root " +
  "(network namespaces need CAP_SYS_ADMIN), or set SVCSIM_SKIP_KERNEL=1 to skip the kernel differential test.";

function sh(cmd: string, args: readonly string[], opts: ExecFileSyncOptions = {}): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], ...opts }) as string;
}

/** Runs a command inside a namespace; throws with its stderr on failure. */
export function inNs(ns: string, cmd: string, args: readonly string[], input?: string): string {
  try {
    return sh("ip", ["netns", "exec", ns, cmd, ...args], input === undefined ? {} : { input });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip netns exec ${ns} ${cmd} ${args.join(" ")} failed: ${err.stderr || err.message}`);
  }
}

function hasCommand(cmd: string, arg: string): boolean {
  const r = spawnSync(cmd, [arg], { stdio: "ignore" });
  return r.error === undefined;
}

/** What is missing to run the test on this machine, or undefined when everything is there. */
export function preflight(): string | undefined {
  const missing: string[] = [];
  if (process.platform !== "linux")
    return `the kernel differential test needs Linux (this is ${process.platform}). ${INSTALL_HINT}`;
  if (process.getuid?.() !== 0) missing.push("root privileges (running as uid " + process.getuid?.() + ")");
  for (const [cmd, arg, pkg] of [
    ["ip", "-V", "iproute2"],
    [IPTABLES_RESTORE, "--version", "iptables"],
    ["conntrack", "--version", "conntrack"],
  ] as const) {
    if (!hasCommand(cmd, arg)) missing.push(`\`${cmd}\` (Debian package ${pkg})`);
  }
  if (missing.length > 0)
    return `the kernel differential test cannot run: missing ${missing.join(", ")}. ${INSTALL_HINT}`;
  const probe = `svcsim-preflight-${process.pid}`;
  const r = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (r.status !== 0) {
    return `the kernel differential test cannot create a network namespace (\`ip netns add\`: ${r.stderr.trim() || r.error}). ${INSTALL_HINT}`;
  }
  spawnSync("ip", ["netns", "del", probe]);
  return undefined;
}

/** Names for this process's namespaces. */
export function topologyNames(tag = String(process.pid)): Topology {
  return { ns: { node: `svcsim-node-${tag}`, client: `svcsim-client-${tag}`, pods: `svcsim-pods-${tag}` } };
}

function sysctls(ns: string, values: Record<string, string>): void {
  const script = Object.entries(values)
    .map(([k, v]) => `echo ${v} > /proc/sys/${k.replaceAll(".", "/")}`)
    .join(" && ");
  inNs(ns, "sh", ["-c", script]);
}

/** The client and pods namespaces answer nothing themselves: see the file comment. */
const QUIET_RULES = [
  "*raw",
  ":PREROUTING ACCEPT [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  "-A PREROUTING -m addrtype ! --dst-type LOCAL -j DROP",
  "COMMIT",
  "*filter",
  ":INPUT ACCEPT [0:0]",
  ":FORWARD DROP [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  "-A INPUT -m conntrack --ctstate NEW -j DROP",
  "COMMIT",
  "",
].join("\n");

/** Removes namespaces a killed run of this test left behind (their process is gone). */
function removeStale(): void {
  const r = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  for (const line of (r.stdout ?? "").split("\n")) {
    const m = /^(svcsim-(?:node|client|pods)-(\d+))\b/.exec(line);
    if (!m || Number(m[2]) === process.pid) continue;
    try {
      process.kill(Number(m[2]), 0);
    } catch {
      spawnSync("ip", ["netns", "del", m[1] as string], { stdio: "ignore" });
    }
  }
}

/** Creates the namespaces, links, addresses, routes and sysctls. */
export function setUp(t: Topology): void {
  removeStale();
  tearDown(t);
  const { node, client, pods } = t.ns;
  for (const ns of [node, client, pods]) sh("ip", ["netns", "add", ns]);
  sh("ip", ["link", "add", "eth0", "netns", client, "type", "veth", "peer", "name", "eth0", "netns", node]);
  sh("ip", ["link", "add", "eth0", "netns", pods, "type", "veth", "peer", "name", "eth1", "netns", node]);
  const ip = (ns: string, ...args: string[]) => sh("ip", ["-n", ns, ...args]);
  for (const ns of [node, client, pods]) ip(ns, "link", "set", "lo", "up");
  ip(node, "addr", "add", `${NODE_IP}/24`, "dev", "eth0");
  ip(node, "addr", "add", `${NODE_POD_SIDE_IP}/24`, "dev", "eth1");
  ip(client, "addr", "add", "192.168.0.1/24", "dev", "eth0");
  ip(pods, "addr", "add", "192.168.1.1/24", "dev", "eth0");
  for (const [ns, dev] of [
    [node, "eth0"],
    [node, "eth1"],
    [client, "eth0"],
    [pods, "eth0"],
  ] as const) {
    ip(ns, "link", "set", dev, "up");
  }
  for (const s of Object.values(SOURCES)) {
    if (s.side === "node") continue;
    ip(t.ns[s.side], "addr", "add", `${s.ip}/32`, "dev", "eth0");
    if (s.side === "client" && !s.ip.startsWith("192.168.0."))
      ip(node, "route", "add", `${s.ip}/32`, "via", "192.168.0.1");
  }
  ip(node, "route", "add", "default", "via", "192.168.1.1");
  ip(client, "route", "add", "default", "via", NODE_IP);
  ip(pods, "route", "add", "default", "via", NODE_POD_SIDE_IP);
  // why: kube-proxy sets route_localnet=1 for localhost NodePorts (proxier.go NewProxier);
  // ICMP rate limits would otherwise swallow REJECT answers when many probes are refused at once.
  sysctls(node, {
    "net.ipv4.ip_forward": "1",
    "net.ipv4.conf.all.route_localnet": "1",
    "net.ipv4.conf.all.rp_filter": "0",
    "net.ipv4.conf.default.rp_filter": "0",
    "net.ipv4.conf.all.send_redirects": "0",
    "net.ipv4.icmp_ratelimit": "0",
    "net.ipv4.icmp_msgs_per_sec": "1000000",
    "net.ipv4.icmp_msgs_burst": "1000000",
  });
  for (const ns of [client, pods]) {
    sysctls(ns, { "net.ipv4.conf.all.rp_filter": "0" });
    inNs(ns, "iptables-restore", [], QUIET_RULES);
  }
}

/** Removes the namespaces (and with them their links); never throws. */
export function tearDown(t: Topology): void {
  for (const ns of Object.values(t.ns)) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
}
