import type { IPv4, Packet } from "../net/index.ts";
import { type CtDir, type CtEntry, IPS } from "./entry.ts";
import type { Tuple } from "./tuple.ts";

/** One address/port rewrite, as data for the caller's `nat` trace event. */
export interface NatChange {
  kind: "dnat" | "snat" | "masquerade" | "un-dnat" | "un-snat";
  fromIp: IPv4;
  fromPort: number;
  toIp: IPv4;
  toPort: number;
}

/**
 * Which half of the NAT to apply: `dst` is the PREROUTING/OUTPUT manip,
 * `src` the POSTROUTING/INPUT one; `both` does the two at once.
 */
export type NatManip = "src" | "dst" | "both";

const NONE: readonly NatChange[] = Object.freeze([]);

/**
 * Rewrites a packet of `entry` travelling in `dir` by the entry's bindings
 * (nf_nat_packet): originals get DNAT then SNAT, replies get un-SNAT (their
 * destination) then un-DNAT (their source). For ICMP queries the echo id
 * (`srcPort`) follows the binding. Returns the changes made.
 */
// why: nf_nat_packet — a manip applies when its status bit is set, the
// bits swapped for the reply direction (statusbit ^= IPS_NAT_MASK).
export function translate(pkt: Packet, e: CtEntry, dir: CtDir, manip: NatManip = "both"): readonly NatChange[] {
  const orig = dir === "original";
  const other = orig ? e.reply : e.original;
  let out: NatChange[] | undefined;
  if (manip !== "src" && e.status & (orig ? IPS.DST_NAT : IPS.SRC_NAT)) {
    const port = pkt.proto === "ICMP" ? pkt.dstPort : other.srcPort;
    if (pkt.dst !== other.src || pkt.dstPort !== port || icmpIdDiffers(pkt, other)) {
      out = [change(orig ? "dnat" : "un-snat", pkt.dst, pkt.dstPort, other.src, port)];
      pkt.dst = other.src;
      pkt.dstPort = port;
      if (pkt.proto === "ICMP") pkt.srcPort = other.srcPort;
    }
  }
  if (manip !== "dst" && e.status & (orig ? IPS.SRC_NAT : IPS.DST_NAT)) {
    const port = pkt.proto === "ICMP" ? other.srcPort : other.dstPort;
    if (pkt.src !== other.dst || pkt.srcPort !== port) {
      const kind = orig ? (e.masquerade ? "masquerade" : "snat") : "un-dnat";
      (out ??= []).push(change(kind, pkt.src, pkt.srcPort, other.dst, port));
      pkt.src = other.dst;
      pkt.srcPort = port;
    }
  }
  return out ?? NONE;
}

function icmpIdDiffers(pkt: Packet, other: Tuple): boolean {
  return pkt.proto === "ICMP" && pkt.srcPort !== other.srcPort;
}

function change(kind: NatChange["kind"], fromIp: IPv4, fromPort: number, toIp: IPv4, toPort: number): NatChange {
  return { kind, fromIp, fromPort, toIp, toPort };
}

/**
 * Rewrites an ICMP error RELATED to `entry` and travelling in `dir`
 * (nf_nat_icmp_reply_translation): the quoted packet — which travelled the
 * other way and was translated — is turned back into what its sender
 * sent, and the outer addresses are translated like any packet of `dir`.
 * Returns the outer changes.
 */
export function translateIcmpError(
  pkt: Packet,
  e: CtEntry,
  dir: CtDir,
  manip: NatManip = "both",
): readonly NatChange[] {
  const quoted = pkt.icmp?.quoted;
  if (pkt.icmp === undefined || quoted === undefined) return NONE;
  const orig = dir === "original";
  // The quoted packet belongs to the opposite direction; after translation
  // it must read as that direction's tuple before NAT.
  const other = orig ? e.reply : e.original;
  const inner: Tuple = { ...quoted };
  let out: NatChange[] | undefined;
  if (manip !== "src" && e.status & (orig ? IPS.DST_NAT : IPS.SRC_NAT)) {
    inner.src = other.src;
    inner.srcPort = other.srcPort;
    if (pkt.dst !== other.src) {
      out = [change(orig ? "dnat" : "un-snat", pkt.dst, 0, other.src, 0)];
      pkt.dst = other.src;
    }
  }
  if (manip !== "dst" && e.status & (orig ? IPS.SRC_NAT : IPS.DST_NAT)) {
    inner.dst = other.dst;
    if (inner.proto !== "ICMP") inner.dstPort = other.dstPort;
    if (pkt.src !== other.dst) {
      (out ??= []).push(change(orig ? "snat" : "un-dnat", pkt.src, 0, other.dst, 0));
      pkt.src = other.dst;
    }
  }
  pkt.icmp = { ...pkt.icmp, quoted: inner };
  return out ?? NONE;
}
