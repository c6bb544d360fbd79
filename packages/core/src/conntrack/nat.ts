import type { RandomStream } from "../engine/index.ts";
import type { IPv4 } from "../net/index.ts";
import { type CtEntry, IPS } from "./entry.ts";
import type { Conntrack } from "./table.ts";
import { invertTuple, type Tuple, tupleEquals, tupleHash } from "./tuple.ts";

/**
 * How SNAT/MASQUERADE picks the source port: `keep` (plain) keeps the
 * original port while the resulting reply tuple is unique; `random`
 * (--random) and `random-fully` (--random-fully, what kube-proxy uses)
 * always search the range from a random offset.
 */
export type SnatMode = "keep" | "random" | "random-fully";

/** An SNAT or MASQUERADE binding to set up. */
export interface SnatSpec {
  /** The new source address (MASQUERADE: the outgoing interface's address, chosen by the caller). */
  ip: IPv4;
  /** `--to-source ip:lo-hi` / `--to-ports lo-hi`; absent = no port range given. */
  ports?: { lo: number; hi: number };
  mode?: SnatMode;
  /** Source of the kernel's get_random_u16() offsets; without it a tuple hash stands in. */
  stream?: RandomStream;
  /** The binding came from MASQUERADE (reported as `masquerade` by translate). */
  masquerade?: boolean;
}

/** The outcome of {@link setSnat}: the chosen source port, or no unique tuple (the kernel drops at confirm). */
export type SnatResult = { ok: true; changed: boolean; port: number } | { ok: false; reason: "snat-ports-exhausted" };

function assertUnconfirmed(e: CtEntry, what: string): void {
  // why: nf_nat_setup_info only alters the reply tuple of an unconfirmed conntrack.
  if (e.has(IPS.CONFIRMED))
    throw new Error(`${what} on confirmed conntrack entry ${e.id}: NAT is bound before confirm`);
}

/**
 * Binds destination NAT (`-j DNAT --to-destination ip[:port]`): the reply
 * will come from `ip:port`. Returns true when the tuple changed (IPS_DST_NAT).
 */
// why: nf_nat_setup_info with NF_NAT_MANIP_DST — the new reply tuple is the
// inverse of the rewritten original; a single destination is used as given.
export function setDnat(e: CtEntry, ip: IPv4, port?: number): boolean {
  assertUnconfirmed(e, "DNAT");
  const curr = invertTuple(e.reply) as Tuple;
  const next: Tuple = { ...curr, dst: ip, dstPort: port === undefined || curr.proto === "ICMP" ? curr.dstPort : port };
  e.status |= IPS.DST_NAT_DONE;
  if (tupleEquals(next, curr)) return false;
  e.reply = invertTuple(next) as Tuple;
  e.status |= IPS.DST_NAT;
  return true;
}

/**
 * Binds source NAT the way get_unique_tuple does: plain SNAT keeps the
 * original source port when the reply tuple stays unique; otherwise (or
 * always, with --random/--random-fully) nf_nat_l4proto_unique_tuple
 * searches the range from a random offset, at most 128 probes, then
 * halving rounds from fresh offsets down to 16. No free port → failure,
 * which the caller turns into the drop reason `snat-ports-exhausted`.
 */
export function setSnat(table: Conntrack, e: CtEntry, spec: SnatSpec): SnatResult {
  assertUnconfirmed(e, "SNAT");
  const curr = invertTuple(e.reply) as Tuple;
  const ports = spec.ports;
  // The reply tuple of a candidate is (curr.dst:curr.dstPort → ip:port); ICMP's inverse
  // also swaps the type, so it takes the general path.
  const used =
    curr.proto === "ICMP"
      ? (port: number) => table.isTaken(invertTuple({ ...curr, src: spec.ip, srcPort: port }) as Tuple, e)
      : (port: number) => table.isTakenFields(curr.proto, curr.dst, curr.dstPort, spec.ip, port, e);
  const inRange = (p: number) => ports === undefined || (p >= ports.lo && p <= ports.hi);
  let port: number | undefined;
  // why: get_unique_tuple steps 1 and 3 are skipped under NF_NAT_RANGE_PROTO_RANDOM_ALL.
  if ((spec.mode ?? "keep") === "keep" && inRange(curr.srcPort) && !used(curr.srcPort)) port = curr.srcPort;
  else port = searchPort(curr, ports, used, spec.stream);
  if (port === undefined) return { ok: false, reason: "snat-ports-exhausted" };
  const next: Tuple = { ...curr, src: spec.ip, srcPort: port };
  e.status |= IPS.SRC_NAT_DONE;
  e.masquerade = spec.masquerade === true;
  if (tupleEquals(next, curr)) return { ok: true, changed: false, port };
  e.reply = invertTuple(next) as Tuple;
  e.status |= IPS.SRC_NAT;
  return { ok: true, changed: true, port };
}

/** Probes per first round (NF_NAT_MAX_ATTEMPTS / max_attempts in nf_nat_core.c). */
const MAX_ATTEMPTS = 128;

/** nf_nat_l4proto_unique_tuple for the source port (or ICMP id). */
function searchPort(
  curr: Tuple,
  ports: { lo: number; hi: number } | undefined,
  used: (port: number) => boolean,
  stream: RandomStream | undefined,
): number | undefined {
  let min: number;
  let size: number;
  if (ports !== undefined) {
    min = Math.min(ports.lo, ports.hi);
    size = Math.abs(ports.hi - ports.lo) + 1;
  } else if (curr.proto === "ICMP") {
    [min, size] = [0, 65536];
  } else if (curr.srcPort < 1024) {
    // why: "Loose convention: >> 512 is credential passing" — privileged
    // ports map to 1-511 or 600-1023, others to 1024-65535.
    [min, size] = curr.srcPort < 512 ? [1, 511] : [600, 424];
  } else {
    [min, size] = [1024, 64512];
  }
  const draw = () =>
    stream ? stream.int(65536) : tupleHash(curr.proto, curr.src, curr.srcPort, curr.dst, curr.dstPort) & 0xffff;
  let off = draw();
  let attempts = Math.min(size, MAX_ATTEMPTS);
  for (;;) {
    for (let i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
      const port = min + (off % size);
      if (!used(port)) return port;
    }
    if (attempts >= size || attempts < 16) return undefined;
    attempts = Math.floor(attempts / 2);
    off = draw();
  }
}
