import { type CtEntry, IPS } from "./entry.ts";
import type { Conntrack } from "./table.ts";
import { type Tuple, tupleHash } from "./tuple.ts";

/**
 * Which hash bucket each confirmed entry sits in, for the one place the
 * kernel's bucket layout shows: early drop, which scans a few buckets next
 * to a new flow's hash. Both tuples of an entry are hashed, as both
 * tuple-hash halves live in the kernel's table.
 */
export class BucketIndex {
  private readonly buckets = new Map<number, Set<CtEntry>>();

  constructor(
    /** Number of buckets (nf_conntrack_buckets). */
    readonly size: number,
  ) {
    if (!(Number.isSafeInteger(size) && size >= 1)) throw new RangeError(`conntrack hashsize must be ≥ 1, got ${size}`);
  }

  /** The bucket of a tuple (reciprocal_scale(hash, size)). */
  bucketOf(t: Tuple): number {
    return Math.floor((tupleHash(t.proto, t.src, t.srcPort, t.dst, t.dstPort) * this.size) / 4294967296);
  }

  /** Files a newly confirmed entry under both its tuples' buckets. */
  add(e: CtEntry): void {
    e.bucketOrig = this.bucketOf(e.original);
    e.bucketReply = this.bucketOf(e.reply);
    this.put(e.bucketOrig, e);
    this.put(e.bucketReply, e);
  }

  /** Removes an entry filed by {@link add}. */
  remove(e: CtEntry): void {
    this.take(e.bucketOrig, e);
    this.take(e.bucketReply, e);
  }

  /** The entries in bucket `b`, in the order they were filed. */
  get(b: number): ReadonlySet<CtEntry> | undefined {
    return this.buckets.get(b);
  }

  /** Removes everything. */
  clear(): void {
    this.buckets.clear();
  }

  private put(b: number, e: CtEntry): void {
    let set = this.buckets.get(b);
    if (set === undefined) {
      set = new Set();
      this.buckets.set(b, set);
    }
    set.add(e);
  }

  private take(b: number, e: CtEntry): void {
    const set = this.buckets.get(b);
    if (set === undefined) return;
    set.delete(e);
    if (set.size === 0) this.buckets.delete(b);
  }
}

// why: nf_conntrack_core.c NF_CT_EVICTION_RANGE.
const EVICTION_RANGE = 8;

/**
 * early_drop: scan up to 8 buckets from the new flow's bucket; in the first
 * one holding non-ASSURED entries, delete them all (early_drop_list).
 * Expired entries met on the way are collected but do not count.
 */
export function earlyDrop(table: Conntrack, buckets: BucketIndex, t: Tuple): boolean {
  const start = buckets.bucketOf(t);
  for (let i = 0; i < EVICTION_RANGE; i++) {
    const set = buckets.get((start + i) % buckets.size);
    if (set === undefined) continue;
    let drops = 0;
    for (const e of [...set]) {
      if (e.deadline <= table.now) table.expire(e);
      else if (!e.has(IPS.ASSURED)) {
        table.destroy(e, "early-drop");
        drops++;
      }
    }
    if (drops > 0) return true;
  }
  return false;
}
