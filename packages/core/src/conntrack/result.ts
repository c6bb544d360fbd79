import type { Nanos } from "../engine/index.ts";
import { type CtDir, type CtEntry, IPS } from "./entry.ts";

/** The conntrack state a packet carries through the hooks (ctinfo, as `-m conntrack --ctstate` names it). */
export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID";

/** What conntrack's first hook (PREROUTING or OUTPUT) decided about a packet. */
export interface CtPacketResult {
  state: CtState;
  /** The connection; unconfirmed for a NEW packet until {@link Conntrack.confirm}. Absent when INVALID. */
  entry: CtEntry | undefined;
  /** Direction of the packet within `entry`. */
  dir: CtDir;
  /** Set when conntrack drops the packet itself: `nf_conntrack: table full, dropping packet`. */
  drop?: "conntrack-full";
}

/**
 * The conntrack facts a netfilter evaluation reads, shaped like netfilter's
 * `ConntrackView` (which this layer may not import): the state plus the
 * virtual SNAT/DNAT states from IPS_SRC_NAT / IPS_DST_NAT.
 */
export interface CtView {
  state: CtState;
  snat?: boolean;
  dnat?: boolean;
}

/**
 * The view for a packet at a given hook: call it again after the nat table
 * ran, since a binding made there turns the DNAT/SNAT bits on for later hooks.
 */
// why: xt_conntrack.c conntrack_mt — XT_CONNTRACK_STATE_SNAT/DNAT test ct->status.
export function ctView(result: Pick<CtPacketResult, "state" | "entry">): CtView {
  const e = result.entry;
  if (e === undefined || result.state === "INVALID") return { state: result.state };
  return { state: result.state, snat: (e.status & IPS.SRC_NAT) !== 0, dnat: (e.status & IPS.DST_NAT) !== 0 };
}

/** Why an entry left the table before its timeout. */
export type CtDestroyReason =
  /** A RST before any reply (nf_ct_kill_acct in nf_conntrack_tcp_packet). */
  | "rst"
  /** A SYN reopening a closed connection: the old entry goes, the SYN starts a new one. */
  | "reopen"
  /** Evicted to make room for a new flow when the table was full (early_drop). */
  | "early-drop"
  /** Evicted by GC under table pressure (gc_worker above 95% after a full-table drop). */
  | "gc-early-drop"
  /** Deleted on request (`conntrack -D`, kube-proxy's stale-entry cleanup). */
  | "delete";

/**
 * A state change of the table, reported as data to the table's observer
 * (the node turns these into `ct` trace events). Per-packet hits are not
 * reported: the caller already holds them as {@link CtPacketResult}s.
 */
export type CtObservation =
  | { op: "new" | "confirm" | "update" | "expire"; t: Nanos; entry: CtEntry }
  | { op: "destroy"; t: Nanos; entry: CtEntry; reason: CtDestroyReason }
  | { op: "flush"; t: Nanos; count: number }
  | { op: "full"; t: Nanos; count: number };

/** Receives the table's observations. */
export type ConntrackObserver = (ev: CtObservation) => void;
