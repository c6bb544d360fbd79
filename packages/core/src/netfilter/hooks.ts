import type { Hook } from "../trace/index.ts";
import type { TableName } from "./types.ts";

/** Hook priorities of include/uapi/linux/netfilter_ipv4.h (enum nf_ip_hook_priorities). */
export const NF_IP_PRI = {
  FIRST: -2147483648,
  RAW_BEFORE_DEFRAG: -450,
  CONNTRACK_DEFRAG: -400,
  RAW: -300,
  SELINUX_FIRST: -225,
  CONNTRACK: -200,
  MANGLE: -150,
  NAT_DST: -100,
  FILTER: 0,
  SECURITY: 50,
  NAT_SRC: 100,
  SELINUX_LAST: 225,
  CONNTRACK_HELPER: 300,
  CONNTRACK_CONFIRM: 2147483647,
  LAST: 2147483647,
} as const;

/** One function registered at a hook: an iptables table, or a conntrack step. */
export type HookStep =
  | {
      kind: "table";
      table: TableName;
      priority: number;
      /**
       * True for the nat table: it is walked only for a connection's first
       * packet; later packets (and replies) are translated by the conntrack
       * entry's NAT binding without walking the rules.
       */
      firstPacketOnly: boolean;
    }
  /** conntrack: `in` looks up or creates the entry; `confirm` inserts a new entry into the table. */
  | { kind: "conntrack"; step: "in" | "helper" | "confirm"; priority: number };

const table = (t: TableName, priority: number): HookStep => ({
  kind: "table",
  table: t,
  priority,
  firstPacketOnly: t === "nat",
});

/**
 * What runs at each IPv4 hook, in ascending priority (the order the kernel
 * calls them): raw → conntrack → mangle → nat(DNAT) at PREROUTING and OUTPUT
 * (then filter at OUTPUT); mangle → filter → nat(SNAT) → conntrack confirm
 * at INPUT; mangle → filter at FORWARD; mangle → nat(SNAT) → conntrack
 * helper → confirm at POSTROUTING. The security table and SELinux hooks are
 * not modelled.
 */
// why: iptable_raw (NF_IP_PRI_RAW), nf_conntrack_proto.c ipv4_conntrack_ops
// (CONNTRACK at PRE/OUT, HELPER and CONFIRM at IN/POST), iptable_mangle
// (MANGLE), iptable_nat nf_nat_ipv4_ops (NAT_DST at PRE/OUT, NAT_SRC at
// IN/POST), iptable_filter (FILTER).
export const HOOK_ORDER: Readonly<Record<Hook, readonly HookStep[]>> = {
  PREROUTING: [
    table("raw", NF_IP_PRI.RAW),
    { kind: "conntrack", step: "in", priority: NF_IP_PRI.CONNTRACK },
    table("mangle", NF_IP_PRI.MANGLE),
    table("nat", NF_IP_PRI.NAT_DST),
  ],
  INPUT: [
    table("mangle", NF_IP_PRI.MANGLE),
    table("filter", NF_IP_PRI.FILTER),
    table("nat", NF_IP_PRI.NAT_SRC),
    { kind: "conntrack", step: "helper", priority: NF_IP_PRI.CONNTRACK_HELPER },
    { kind: "conntrack", step: "confirm", priority: NF_IP_PRI.CONNTRACK_CONFIRM },
  ],
  FORWARD: [table("mangle", NF_IP_PRI.MANGLE), table("filter", NF_IP_PRI.FILTER)],
  OUTPUT: [
    table("raw", NF_IP_PRI.RAW),
    { kind: "conntrack", step: "in", priority: NF_IP_PRI.CONNTRACK },
    table("mangle", NF_IP_PRI.MANGLE),
    table("nat", NF_IP_PRI.NAT_DST),
    table("filter", NF_IP_PRI.FILTER),
  ],
  POSTROUTING: [
    table("mangle", NF_IP_PRI.MANGLE),
    table("nat", NF_IP_PRI.NAT_SRC),
    { kind: "conntrack", step: "helper", priority: NF_IP_PRI.CONNTRACK_HELPER },
    { kind: "conntrack", step: "confirm", priority: NF_IP_PRI.CONNTRACK_CONFIRM },
  ],
};

/** The tables walked at a hook, in kernel order. */
export function tablesAt(hook: Hook): TableName[] {
  return HOOK_ORDER[hook].flatMap((s) => (s.kind === "table" ? [s.table] : []));
}
