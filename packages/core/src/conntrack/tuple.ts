import type { FiveTuple, IpProto } from "../net/index.ts";

/**
 * A conntrack tuple: the kernel's `nf_conntrack_tuple` for IPv4.
 *
 * TCP, UDP and SCTP carry their ports. ICMP follows the kernel's layout
 * (`src.u.icmp.id`, `dst.u.icmp.type`, `dst.u.icmp.code`): `srcPort` holds
 * the echo identifier and `dstPort` holds `type << 8 | code`.
 */
export type Tuple = FiveTuple;

/** The kernel's protocol numbers (include/uapi/linux/in.h), as conntrack prints them. */
export const PROTO_NUMBER: Readonly<Record<IpProto, number>> = { ICMP: 1, TCP: 6, UDP: 17, SCTP: 132 };

/** A small code per protocol, folded into the numeric map key. */
const PROTO_CODE: Readonly<Record<IpProto, number>> = { TCP: 0, UDP: 1, ICMP: 2, SCTP: 3 };

// why: nf_conntrack_proto_icmp.c invmap[] — the reply type of each ICMP
// query type: echo 8↔0, timestamp 13↔14, info 15↔16, address mask 17↔18.
const ICMP_INVERSE: ReadonlyMap<number, number> = new Map([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [17, 18],
  [18, 17],
]);

/** The ICMP types that may start a tracked "connection" (nf_conntrack_proto_icmp.c valid_new[]). */
export const ICMP_NEW_TYPES: ReadonlySet<number> = new Set([8, 13, 15, 17]);

/** Packs an ICMP type and code into a tuple's `dstPort`. */
export const icmpTypeCode = (type: number, code: number): number => ((type & 255) << 8) | (code & 255);

/**
 * The tuple of the opposite direction (nf_ct_invert_tuple): addresses and
 * ports swapped; for ICMP the identifier stays in `srcPort` and the type
 * becomes its reply type. Returns undefined for an ICMP type without one.
 */
export function invertTuple(t: Tuple): Tuple | undefined {
  if (t.proto === "ICMP") {
    const inv = ICMP_INVERSE.get(t.dstPort >>> 8);
    if (inv === undefined) return undefined;
    return { proto: "ICMP", src: t.dst, srcPort: t.srcPort, dst: t.src, dstPort: icmpTypeCode(inv, t.dstPort & 255) };
  }
  return { proto: t.proto, src: t.dst, srcPort: t.dstPort, dst: t.src, dstPort: t.srcPort };
}

/** True when two tuples are equal field by field. */
export function tupleEquals(a: Tuple, b: Tuple): boolean {
  return (
    a.proto === b.proto && a.src === b.src && a.dst === b.dst && a.srcPort === b.srcPort && a.dstPort === b.dstPort
  );
}

/** A copy of the five tuple fields of `t` (e.g. of a packet). */
export function copyTuple(t: Tuple): Tuple {
  return { proto: t.proto, src: t.src, srcPort: t.srcPort, dst: t.dst, dstPort: t.dstPort };
}

/**
 * A 32-bit hash of a tuple, standing in for the kernel's hash_conntrack_raw
 * (jhash2 with a per-boot random seed). Ours is a fixed mix, so bucket
 * placement is deterministic; only early-drop's choice of victims reads it.
 */
export function tupleHash(proto: IpProto, src: number, srcPort: number, dst: number, dstPort: number): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ((srcPort << 16) | dstPort), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ PROTO_CODE[proto], 0x165667b1);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A map keyed by tuple without building a key string per lookup: two
 * levels of numeric keys, `src·2¹⁶+sport` (48 bits) then
 * `(dst·2¹⁶+dport)·4+proto` (50 bits), both exact in a double.
 */
export class TupleMap<V> {
  private readonly outer = new Map<number, Map<number, V>>();
  private count = 0;

  /** Number of tuples stored. */
  get size(): number {
    return this.count;
  }

  /** The value stored for the tuple given field by field. */
  getFields(proto: IpProto, src: number, srcPort: number, dst: number, dstPort: number): V | undefined {
    const inner = this.outer.get(src * 65536 + srcPort);
    return inner === undefined ? undefined : inner.get((dst * 65536 + dstPort) * 4 + PROTO_CODE[proto]);
  }

  /** The value stored for `t`. */
  get(t: Tuple): V | undefined {
    return this.getFields(t.proto, t.src, t.srcPort, t.dst, t.dstPort);
  }

  /** Stores `value` for `t`, replacing any previous value. */
  set(t: Tuple, value: V): void {
    const k1 = t.src * 65536 + t.srcPort;
    let inner = this.outer.get(k1);
    if (inner === undefined) {
      inner = new Map();
      this.outer.set(k1, inner);
    }
    const k2 = (t.dst * 65536 + t.dstPort) * 4 + PROTO_CODE[t.proto];
    if (!inner.has(k2)) this.count++;
    inner.set(k2, value);
  }

  /** Removes `t`; true when it was present. */
  delete(t: Tuple): boolean {
    const k1 = t.src * 65536 + t.srcPort;
    const inner = this.outer.get(k1);
    if (inner === undefined || !inner.delete((t.dst * 65536 + t.dstPort) * 4 + PROTO_CODE[t.proto])) return false;
    if (inner.size === 0) this.outer.delete(k1);
    this.count--;
    return true;
  }

  /** Removes everything. */
  clear(): void {
    this.outer.clear();
    this.count = 0;
  }
}
