import { type Cidr, cidrContains, parseIPv4, tryParseCidr, tryParseIPv4 } from "../net/index.ts";

/** The `--nodeport-addresses` setting for the IPv4 family (pkg/proxy/util/nodeport_addresses.go). */
export interface NodePortAddresses {
  /** True when NodePorts are accepted on every local address (no CIDRs, or 0.0.0.0/0 given). */
  readonly matchAll: boolean;
  readonly cidrs: readonly Cidr[];
  /** True when some CIDR covers 127.0.0.0 (required for localhost NodePorts). */
  readonly containsIPv4Loopback: boolean;
}

const LOOPBACK_START = parseIPv4("127.0.0.0");

/** Parses `--nodeport-addresses`; CIDRs of the other family (IPv6) are ignored. */
export function nodePortAddresses(cidrStrings: readonly string[]): NodePortAddresses {
  // why: NewNodePortAddresses keeps this family's CIDRs and falls back to 0.0.0.0/0 when none is left.
  const own = cidrStrings.filter((s) => s.includes("/") && tryParseCidr(s) !== undefined);
  const texts = own.length > 0 ? own : ["0.0.0.0/0"];
  const cidrs: Cidr[] = [];
  let containsIPv4Loopback = false;
  for (const text of texts) {
    const cidr = tryParseCidr(text)!;
    if (cidrContains(cidr, LOOPBACK_START) || cidr.base >>> 24 === 127) containsIPv4Loopback = true;
    // why: a zero CIDR means "match all" and everything else is ignored.
    if (cidr.bits === 0) return { matchAll: true, cidrs: [cidr], containsIPv4Loopback };
    cidrs.push(cidr);
  }
  return { matchAll: false, cidrs, containsIPv4Loopback };
}

/** The local addresses (in interface order) NodePorts are accepted on, for a non-match-all setting. */
export function nodePortIPs(npa: NodePortAddresses, localAddresses: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of localAddresses) {
    const ip = tryParseIPv4(text);
    if (ip === undefined || out.includes(text)) continue;
    if (npa.cidrs.some((c) => cidrContains(c, ip))) out.push(text);
  }
  return out;
}
