import { cidrContains, formatIPv4, type IPv4, parseIPv4 } from "../net/index.ts";
import { PROTO_NUMBERS } from "./parse-values.ts";
import { formatRuleLine } from "./print-rule.ts";
import { ADDR_TYPES, type Rule, type Ruleset, type TableName, type Target } from "./types.ts";

/** A packet as kube-proxy's tracer describes it. */
export interface KubeProxyTracePacket {
  src: IPv4;
  /** Lower-case, as in iptables rules: tcp, udp, sctp. */
  protocol: string;
  dst: IPv4;
  dstPort: number;
}

/** tracePacket's three return values. */
export interface KubeProxyTraceResult {
  /** The `-A …` lines of every matched rule, in order. */
  matches: string[];
  /** The endpoints (`ip:port` of DNAT rules) and ACCEPT/DROP/REJECT, joined by ", ". */
  output: string;
  /** True when any matched rule jumped to KUBE-MARK-MASQ. */
  masq: boolean;
}

const LOCAL_BIT = 1 << ADDR_TYPES.indexOf("LOCAL");

function jumpName(t: Target): string | undefined {
  switch (t.kind) {
    case "none":
    case "goto": // the tracer's parser only knows -j
      return undefined;
    case "jump":
      return t.chain;
    case "NOTRACK":
      return t.form;
    default:
      return t.kind;
  }
}

class Tracer {
  readonly matches: string[] = [];
  readonly outputs: string[] = [];
  masq = false;
  constructor(
    readonly ruleset: Ruleset,
    readonly local: ReadonlySet<IPv4>,
  ) {}

  /** ruleMatches: only -s, -d, --src-type/--dst-type (LOCAL), -p and --dport are checked. */
  ruleMatches(rule: Rule, p: KubeProxyTracePacket): boolean {
    const typeOf = (ip: IPv4) => (this.local.has(ip) ? LOCAL_BIT : 0);
    for (const m of rule.matches) {
      switch (m.kind) {
        case "source":
          if (cidrContains(m.cidr, p.src) === m.invert) return false;
          break;
        case "destination":
          if (cidrContains(m.cidr, p.dst) === m.invert) return false;
          break;
        case "protocol":
          if ((PROTO_NUMBERS[p.protocol] === m.proto) === m.invert) return false;
          break;
        case "addrtype":
          // why: the tracer compares the option's text with "LOCAL" or "not-matched".
          if (m.src && (m.src.types === LOCAL_BIT && typeOf(p.src) === LOCAL_BIT) === m.src.invert) return false;
          if (m.dst && (m.dst.types === LOCAL_BIT && typeOf(p.dst) === LOCAL_BIT) === m.dst.invert) return false;
          break;
        case "tcp":
        case "udp":
        case "sctp":
          if (m.dport && (m.dport.lo === m.dport.hi && m.dport.lo === p.dstPort) === m.dport.invert) return false;
          break;
        case "recent":
          if (m.command === "rcheck") return false;
          break;
        case "mark":
        case "conntrack":
          // why: "Any rule that checks for past state/history does not match".
          return false;
        default:
          break;
      }
    }
    return true;
  }

  runChain(table: TableName, chainName: string, p: KubeProxyTracePacket): boolean {
    const chain = this.ruleset.tables.get(table)?.chains.get(chainName);
    if (!chain) return false;
    for (const rule of chain.rules) {
      const jump = jumpName(rule.target);
      if (jump === undefined || !this.ruleMatches(rule, p)) continue;
      this.matches.push(formatRuleLine(chainName, rule, true));
      const t = rule.target;
      if (jump === "KUBE-MARK-MASQ") this.masq = true;
      else if (t.kind === "ACCEPT" || t.kind === "REJECT" || t.kind === "DROP") {
        this.outputs.push(t.kind);
        return true;
      } else if (t.kind === "DNAT") {
        const port = t.range.ports ? `:${t.range.ports.lo}` : "";
        this.outputs.push(`${formatIPv4(t.range.minIp)}${port}`);
        return true;
      } else {
        const terminated = this.runChain(table, jump, p);
        const probabilistic = rule.matches.some((m) => m.kind === "statistic" && m.mode === "random");
        if (terminated && !probabilistic) return true;
      }
    }
    return false;
  }
}

/**
 * A port of kube-proxy's packet-flow test tracer (`tracePacket` in
 * pkg/proxy/iptables/proxier_test.go), with its simplifications kept on
 * purpose so results compare with kube-proxy's own expectations: only
 * -s/-d/-p/--dport and addrtype LOCAL are checked; rules testing marks,
 * conntrack state or `--rcheck` never match; every other match (statistic,
 * multiport, sets, interfaces) is assumed to match; a jump to KUBE-MARK-MASQ
 * only records masquerading; a `--probability` jump that reached a verdict
 * does not stop the calling chain, so every endpoint is listed. It walks
 * nat PREROUTING, then — with the destination of the first DNAT — filter
 * KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS and KUBE-PROXY-FIREWALL.
 *
 * `nodeIPs` are the node's addresses; 127.0.0.1 is always local.
 */
export function traceLikeKubeProxy(
  ruleset: Ruleset,
  packet: KubeProxyTracePacket,
  nodeIPs: readonly IPv4[],
): KubeProxyTraceResult {
  const tracer = new Tracer(ruleset, new Set([parseIPv4("127.0.0.1"), ...nodeIPs]));
  let p = packet;
  tracer.runChain("nat", "PREROUTING", p);
  const first = tracer.outputs[0];
  if (first !== undefined) {
    // why: "pending DNATs are processed (which would affect the destination IP that later rules match against)".
    const ip = /^\d+\.\d+\.\d+\.\d+/.exec(first);
    if (ip) p = { ...p, dst: parseIPv4(ip[0]) };
  }
  for (const chain of ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"]) {
    tracer.runChain("filter", chain, p);
  }
  return { matches: tracer.matches, output: tracer.outputs.join(", "), masq: tracer.masq };
}
