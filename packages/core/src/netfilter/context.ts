import type { Nanos } from "../engine/index.ts";
import type { IPv4, IpProto } from "../net/index.ts";
import type { RecentTables } from "./recent.ts";
import { ADDR_TYPES, type RejectWith, type Rule, type TableName, type Target } from "./types.ts";

/**
 * The packet fields netfilter reads. A net `Packet` satisfies it. The
 * evaluator never writes to it except `mark` (a MARK target changes the skb
 * mark, which later rules and later hooks see).
 */
export interface NetfilterPacket {
  proto: IpProto;
  src: IPv4;
  dst: IPv4;
  srcPort: number;
  dstPort: number;
  mark: number;
  /** Bytes on the wire: added to rule byte counters. */
  length: number;
  /** Used by `-m recent --rttl` (64 when absent). */
  ttl?: number;
}

/** What conntrack knows of the packet's connection, for `-m conntrack`/`-m state`. */
export interface ConntrackView {
  state: "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED";
  /** The connection has a source NAT binding (IPS_SRC_NAT): the virtual SNAT state. */
  snat?: boolean;
  /** The connection has a destination NAT binding (IPS_DST_NAT): the virtual DNAT state. */
  dnat?: boolean;
}

/** ipset membership, for `-m set --match-set name dirs` (the IPVS proxy provides it). */
export interface IpsetLookup {
  /** True when the packet's fields selected by `dirs` (e.g. dst,dst = dst IP and dst port) are in set `name`. */
  test(name: string, dirs: readonly ("src" | "dst")[], pkt: NetfilterPacket): boolean;
}

/** The node facts and state one evaluation reads; the caller (a node, a test) owns them. */
export interface EvalContext {
  /** Simulated time, for `-m recent`. */
  now: Nanos;
  /** Input device; undefined for locally generated packets (the kernel compares it as ""). */
  inDev?: string;
  /** Output device; known from FORWARD/OUTPUT/POSTROUTING on. */
  outDev?: string;
  /** The packet's conntrack state; NEW when omitted. */
  ct?: ConntrackView;
  /** This node's addresses (and the device each is on), for `-m addrtype` LOCAL. 127.0.0.0/8 is always local. */
  localAddresses?: ReadonlySet<IPv4> | ReadonlyMap<IPv4, string>;
  /** Overrides the address-type lookup entirely (an index into ADDR_TYPES). */
  addrType?: (ip: IPv4, dev: string | undefined) => number;
  ipset?: IpsetLookup;
  /** Uniform draws in [0, 1) for `-m statistic --mode random`: pass a seeded stream's `next`. */
  random: () => number;
  /** `-m recent` lists; the compiled ruleset's own lists when omitted. */
  recent?: RecentTables;
}

const LOCAL = ADDR_TYPES.indexOf("LOCAL");
const BROADCAST = ADDR_TYPES.indexOf("BROADCAST");
const MULTICAST = ADDR_TYPES.indexOf("MULTICAST");
const UNICAST = ADDR_TYPES.indexOf("UNICAST");

/**
 * The address type of `ip` as the kernel's inet_dev_addr_type sees it:
 * 0.0.0.0/8 and 255.255.255.255 are BROADCAST, 224.0.0.0/4 MULTICAST, an
 * address of this node (and 127.0.0.0/8, on `lo`) LOCAL, else UNICAST.
 * With `dev` (`--limit-iface-in/out`), LOCAL only when the address is on `dev`.
 */
// why: net/ipv4/fib_frontend.c __inet_dev_addr_type; subnet-broadcast
// addresses are not modelled (pass ctx.addrType to override).
export function classifyAddress(
  ip: IPv4,
  locals: ReadonlySet<IPv4> | ReadonlyMap<IPv4, string> | undefined,
  dev: string | undefined,
): number {
  if (ip >>> 24 === 0 || ip === 0xffffffff) return BROADCAST;
  if (ip >>> 28 === 0xe) return MULTICAST;
  if (ip >>> 24 === 127) return dev === undefined || dev === "lo" ? LOCAL : UNICAST;
  if (locals?.has(ip)) {
    if (dev === undefined || !(locals instanceof Map)) return LOCAL;
    return locals.get(ip) === dev ? LOCAL : UNICAST;
  }
  return UNICAST;
}

/** The netfilter protocol number of a packet protocol. */
export const PROTO_OF: Readonly<Record<IpProto, number>> = { ICMP: 1, TCP: 6, UDP: 17, SCTP: 132 };

/** A terminal verdict: the packet leaves the table with it. */
export type Verdict =
  | { kind: "ACCEPT" }
  | { kind: "DROP" }
  | { kind: "REJECT"; with: RejectWith }
  | Extract<Target, { kind: "DNAT" | "SNAT" | "MASQUERADE" }>;

/** A rule whose matches all passed, as evaluation met it. */
export interface MatchedRule {
  table: TableName;
  chain: string;
  /** 1-based position in its chain, as `iptables -L --line-numbers` numbers it. */
  index: number;
  rule: Rule;
  /** The rule's `-A …` line (its source text when it was parsed), computed once at compile time. */
  ruleText: string;
}

/** A LOG target that fired (the kernel would write it to the log). */
export interface LogRecord {
  table: TableName;
  chain: string;
  index: number;
  prefix: string;
  level: number;
}
