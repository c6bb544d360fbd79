import type { Cidr, IPv4 } from "../net/index.ts";
import type { Hook } from "../trace/index.ts";

/** The IPv4 iptables tables svcsim models (the kernel also has `security`). */
export type TableName = "raw" | "mangle" | "nat" | "filter";

/** Every modelled table, in the order `iptables-save` usually meets them. */
export const TABLE_NAMES: readonly TableName[] = ["raw", "mangle", "nat", "filter"];

/**
 * The built-in chains of each table, in hook order (PREROUTING, INPUT,
 * FORWARD, OUTPUT, POSTROUTING), which is the order iptables-save prints them.
 */
// why: net/ipv4/netfilter/iptable_{raw,mangle,nat,filter}.c register these
// hooks (the *_VALID_HOOKS masks); iptables-save lists built-ins in hook order.
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly Hook[]>> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
};

/** A built-in chain's policy. */
export type Policy = "ACCEPT" | "DROP";

/** Packet and byte counters, as `[packets:bytes]` in iptables-save. */
export interface Counters {
  packets: number;
  bytes: number;
}

/** An inclusive port range; a single port has `lo === hi`. */
export interface PortRange {
  lo: number;
  hi: number;
}

/** A port condition of `-m tcp|udp|sctp`, with its own `!`. */
export interface PortCondition extends PortRange {
  invert: boolean;
}

/** A set of conntrack states as the kernel's bit mask (see {@link CT_STATE_BITS}). */
export type CtStateMask = number;

/** The state bits of xt_conntrack / xt_state (include/uapi/linux/netfilter/xt_conntrack.h). */
// why: XT_CONNTRACK_STATE_BIT(ctinfo) = 1 << (ctinfo + 1) with IP_CT_ESTABLISHED=0,
// IP_CT_RELATED=1, IP_CT_NEW=2; INVALID = 1<<0; SNAT 1<<8, DNAT 1<<9, UNTRACKED 1<<10.
export const CT_STATE_BITS = {
  INVALID: 1 << 0,
  ESTABLISHED: 1 << 1,
  RELATED: 1 << 2,
  NEW: 1 << 3,
  SNAT: 1 << 8,
  DNAT: 1 << 9,
  UNTRACKED: 1 << 10,
} as const;

/** A conntrack state name accepted by `--ctstate`. */
export type CtStateName = keyof typeof CT_STATE_BITS;

/**
 * Address types of `-m addrtype`, in the kernel's RTN_* order
 * (include/uapi/linux/rtnetlink.h); a mask bit is `1 << index`.
 */
export const ADDR_TYPES = [
  "UNSPEC",
  "UNICAST",
  "LOCAL",
  "BROADCAST",
  "ANYCAST",
  "MULTICAST",
  "BLACKHOLE",
  "UNREACHABLE",
  "PROHIBIT",
  "THROW",
  "NAT",
  "XRESOLVE",
] as const;

/** One address type name. */
export type AddrType = (typeof ADDR_TYPES)[number];

/** One side (source or destination) of `-m addrtype`. */
export interface AddrTypeCondition {
  /** Bit mask over {@link ADDR_TYPES}. */
  types: number;
  invert: boolean;
}

/** `--mode random` of `-m statistic`; `probability` is the kernel's 31-bit integer. */
export interface StatisticRandom {
  kind: "statistic";
  mode: "random";
  invert: boolean;
  /** lround(2^31 × p), what the kernel compares a 31-bit random number with. */
  probability: number;
}

/** `--mode nth` of `-m statistic`: matches packet `packet` of every `every`. */
export interface StatisticNth {
  kind: "statistic";
  mode: "nth";
  invert: boolean;
  every: number;
  packet: number;
}

/** The `-m recent` command. */
export type RecentCommand = "set" | "rcheck" | "update" | "remove";

/** `-m recent` (xt_recent revision 1). */
export interface RecentMatch {
  kind: "recent";
  invert: boolean;
  command: RecentCommand;
  /** 0 when not given. */
  seconds: number;
  /** 0 when not given. */
  hitcount: number;
  reap: boolean;
  rttl: boolean;
  name: string;
  mask: IPv4;
  side: "source" | "dest";
}

/**
 * One match of a rule. The first five kinds are the fixed "IP part" of an
 * ipt_entry (`-s -d -i -o -p`), which the kernel checks before any extension
 * match and iptables-save prints first, whatever order they were written in.
 */
export type Match =
  | { kind: "source"; invert: boolean; cidr: Cidr }
  | { kind: "destination"; invert: boolean; cidr: Cidr }
  | { kind: "inInterface"; invert: boolean; name: string }
  | { kind: "outInterface"; invert: boolean; name: string }
  | { kind: "protocol"; invert: boolean; proto: number }
  | { kind: "tcp" | "udp" | "sctp"; sport?: PortCondition; dport?: PortCondition }
  | { kind: "multiport"; invert: boolean; direction: "sports" | "dports" | "ports"; ports: PortRange[] }
  | { kind: "comment"; comment: string }
  | {
      kind: "addrtype";
      src?: AddrTypeCondition;
      dst?: AddrTypeCondition;
      limitIfaceIn: boolean;
      limitIfaceOut: boolean;
    }
  | { kind: "mark"; invert: boolean; value: number; mask: number }
  | StatisticRandom
  | StatisticNth
  | RecentMatch
  | { kind: "conntrack"; invert: boolean; states: CtStateMask }
  | { kind: "state"; invert: boolean; states: CtStateMask }
  | { kind: "set"; invert: boolean; name: string; dirs: ("src" | "dst")[] }
  | { kind: "nfacct"; name: string };

/** The kinds of the ipt_entry IP part. */
export const IP_PART_KINDS: ReadonlySet<Match["kind"]> = new Set([
  "source",
  "destination",
  "inInterface",
  "outInterface",
  "protocol",
]);

/** `--reject-with` types of ipt_REJECT, by their save names. */
export type RejectWith =
  | "icmp-net-unreachable"
  | "icmp-host-unreachable"
  | "icmp-proto-unreachable"
  | "icmp-port-unreachable"
  | "icmp-net-prohibited"
  | "icmp-host-prohibited"
  | "tcp-reset"
  | "icmp-admin-prohibited";

/** A NAT range: `ip[-ip][:port[-port]]`. Ports are present only when given. */
export interface NatRange {
  minIp: IPv4;
  maxIp: IPv4;
  ports?: PortRange;
}

/** The target of a rule (`-j`/`-g`), or none. */
export type Target =
  | { kind: "none" }
  | { kind: "jump"; chain: string }
  | { kind: "goto"; chain: string }
  | { kind: "ACCEPT" }
  | { kind: "DROP" }
  | { kind: "RETURN" }
  | { kind: "REJECT"; with: RejectWith }
  | { kind: "DNAT"; range: NatRange; random: boolean; persistent: boolean }
  | { kind: "SNAT"; range: NatRange; random: boolean; randomFully: boolean; persistent: boolean }
  | { kind: "MASQUERADE"; ports?: PortRange; random: boolean; randomFully: boolean }
  /** The kernel's form of every MARK option: mark = (mark & ~mask) ^ value. */
  | { kind: "MARK"; value: number; mask: number }
  | { kind: "LOG"; prefix: string; level: number; flags: string[] }
  /** `-j NOTRACK`, or its long form `-j CT --notrack`. */
  | { kind: "NOTRACK"; form: "NOTRACK" | "CT" };

/** One rule: its matches (ANDed, in order), its target and its counters. */
export interface Rule {
  matches: Match[];
  target: Target;
  counters: Counters;
  /**
   * The rule's text after `-A CHAIN ` exactly as it was read, when it was
   * parsed from text. The preserving printer writes it back unchanged, so a
   * dump from kube-proxy round-trips byte for byte; the canonical printer
   * ignores it.
   */
  source?: string;
}

/** One chain: a built-in one has a policy; a user chain does not. */
export interface Chain {
  name: string;
  builtin: boolean;
  /** The policy of a built-in chain (ACCEPT unless set). */
  policy?: Policy;
  /**
   * The policy token as written (`-` for "keep", as iptables-restore input
   * allows); printed back by the preserving printer.
   */
  policyText?: string;
  counters: Counters;
  rules: Rule[];
}

/** How a table was laid out in the text it came from, for byte-identical printing. */
export type LayoutLine =
  | { kind: "chain"; name: string }
  /** `counterPrefix`: the line started with `[packets:bytes]` (iptables-save -c). */
  | { kind: "rule"; chain: string; rule: Rule; counterPrefix: boolean }
  | { kind: "text"; line: string };

/** One table. */
export interface Table {
  name: TableName;
  /** Chains by name; built-ins always exist. */
  chains: Map<string, Chain>;
  /** The lines of the text it was parsed from, between `*table` and `COMMIT`. */
  layout?: LayoutLine[];
  /** Comment and blank lines just before `*table` (e.g. `# Generated by …`). */
  before?: string[];
}

/** A whole ruleset: the tables in the order they were created or read. */
export interface Ruleset {
  tables: Map<TableName, Table>;
  /** Comment and blank lines after the last COMMIT (e.g. `# Completed on …`). */
  after?: string[];
  /** False when the text it came from lacked a final newline. */
  finalNewline?: boolean;
}
