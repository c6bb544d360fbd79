/**
 * A port of proxier_test.go's iptablesTracer / tracePacket / runPacketFlowTests:
 * follows a packet through parsed rules, taking *every* probabilistic branch,
 * and reports every endpoint it could reach, or ACCEPT/DROP/REJECT.
 */
import { cidrContains, tryParseCidr, tryParseIPv4 } from "../../../src/net/index.ts";
import { type Dump, getChain, parseDump, type Rule } from "./dump.ts";

/** proxier_test.go packetFlowTest. */
export interface PacketFlowTest {
  readonly name: string;
  readonly sourceIP: string;
  readonly protocol?: "TCP" | "UDP" | "SCTP";
  readonly destIP: string;
  readonly destPort: number;
  readonly output: string;
  readonly masq?: boolean;
}

function addressMatches(value: { negated: boolean; value: string }, ip: string): boolean {
  const addr = tryParseIPv4(ip);
  let matches = false;
  if (addr !== undefined) {
    if (value.value.includes("/")) {
      const cidr = tryParseCidr(value.value);
      matches = cidr !== undefined && cidrContains(cidr, addr);
    } else matches = value.value === ip;
  }
  return value.negated ? !matches : matches;
}

const matchesValue = (v: { negated: boolean; value: string }, cmp: string) =>
  v.negated ? v.value !== cmp : v.value === cmp;

class Tracer {
  readonly matches: string[] = [];
  readonly outputs: string[] = [];
  markMasq = false;

  constructor(
    private readonly dump: Dump,
    private readonly localIPs: ReadonlySet<string>,
  ) {}

  private ruleMatches(rule: Rule, src: string, proto: string, dst: string, dport: string): boolean {
    const p = rule.params;
    const s = p.get("-s");
    if (s && !addressMatches(s, src)) return false;
    const st = p.get("--src-type");
    if (st && !matchesValue(st, this.localIPs.has(src) ? "LOCAL" : "not-matched")) return false;
    const pr = p.get("-p");
    if (pr && !matchesValue(pr, proto)) return false;
    const d = p.get("-d");
    if (d && !addressMatches(d, dst)) return false;
    const dt = p.get("--dst-type");
    if (dt && !matchesValue(dt, this.localIPs.has(dst) ? "LOCAL" : "not-matched")) return false;
    const dp = p.get("--dport");
    if (dp && !matchesValue(dp, dport)) return false;
    // Any rule that checks for past state/history does not match.
    return !(p.has("--rcheck") || p.has("--mark") || p.has("--ctstate"));
  }

  runChain(table: string, chain: string, src: string, proto: string, dst: string, dport: string): boolean {
    for (const rule of getChain(this.dump, table, chain)?.rules ?? []) {
      const jump = rule.params.get("-j")?.value;
      if (jump === undefined || !this.ruleMatches(rule, src, proto, dst, dport)) continue;
      this.matches.push(rule.raw);
      if (jump === "KUBE-MARK-MASQ") {
        this.markMasq = true;
        continue;
      }
      if (jump === "ACCEPT" || jump === "REJECT" || jump === "DROP") {
        this.outputs.push(jump);
        return true;
      }
      if (jump === "DNAT") {
        this.outputs.push(rule.params.get("--to-destination")!.value);
        return true;
      }
      const terminated = this.runChain(table, jump, src, proto, dst, dport);
      if (terminated && !rule.params.has("--probability")) return true;
    }
    return false;
  }
}

/** proxier_test.go tracePacket: nat PREROUTING, then the interesting filter chains. */
export function tracePacket(data: string, test: PacketFlowTest, nodeIPs: readonly string[]) {
  const tracer = new Tracer(parseDump(data), new Set(["127.0.0.1", "::1", ...nodeIPs]));
  const proto = (test.protocol ?? "TCP").toLowerCase();
  const port = String(test.destPort);
  tracer.runChain("nat", "PREROUTING", test.sourceIP, proto, test.destIP, port);
  const dst = tracer.outputs.length > 0 ? tracer.outputs[0]!.split(":")[0]! : test.destIP;
  for (const chain of ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"]) {
    tracer.runChain("filter", chain, test.sourceIP, proto, dst, port);
  }
  return { matches: tracer.matches, output: tracer.outputs.join(", "), masq: tracer.markMasq };
}
