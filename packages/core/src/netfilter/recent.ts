import type { IPv4 } from "../net/index.ts";
import type { RecentMatch } from "./types.ts";

interface Entry {
  addr: IPv4;
  ttl: number;
  /** A ring of the last ip_pkt_list_tot timestamps (ns). */
  stamps: number[];
  /** Next write position; stamps[index-1] is the newest. */
  index: number;
}

/** One remembered address of a recent list, for views such as /proc/net/xt_recent. */
export interface RecentEntryView {
  addr: IPv4;
  ttl: number;
  lastSeen: number;
  /** Timestamps held, oldest write position first. */
  stamps: readonly number[];
}

/**
 * The kernel's `-m recent` lists (xt_recent), keyed by list name and masked
 * address. Each list keeps at most `ipListTot` addresses, evicting the least
 * recently seen, and each address its last `ipPktListTot` timestamps.
 * Timestamps are simulated nanoseconds rather than jiffies.
 */
// why: net/netfilter/xt_recent.c — module parameters ip_list_tot=100 and
// ip_pkt_list_tot=20; the LRU list evicts on insert when full.
export class RecentTables {
  private readonly lists = new Map<string, Map<IPv4, Entry>>();

  constructor(
    readonly ipListTot = 100,
    readonly ipPktListTot = 20,
  ) {}

  /**
   * Runs one `-m recent` match as recent_mt does, for address `addr` (already
   * chosen by --rsource/--rdest). With `readOnly`, the lists are not
   * changed (explain mode): --set still matches, but nothing is recorded.
   */
  match(m: RecentMatch, addr: IPv4, ttl: number, now: number, readOnly: boolean): boolean {
    const key = (addr & m.mask) >>> 0;
    const list = readOnly ? (this.lists.get(m.name) ?? new Map<IPv4, Entry>()) : this.list(m.name);
    let e = list.get(key);
    // why: recent_entry_lookup — with --rttl the TTL must equal the recorded one.
    if (e && m.rttl && e.ttl !== ttl && e.ttl !== 0) e = undefined;
    let ret = m.invert;
    if (!e) {
      if (m.command !== "set") return ret;
      if (!readOnly) this.insert(list, key, ttl, now);
      return !ret;
    }
    if (m.command === "set") ret = !ret;
    else if (m.command === "remove") {
      if (!readOnly) list.delete(key);
      ret = !ret;
    } else {
      const oldest = now - m.seconds * 1e9;
      let hits = 0;
      for (const stamp of e.stamps) {
        // why: time_after(time, stamp) skips stamps older than now - seconds.
        if (m.seconds && oldest > stamp) continue;
        if (!m.hitcount || ++hits >= m.hitcount) {
          ret = !ret;
          break;
        }
      }
      if (m.reap && !readOnly) this.reap(list, oldest, e, m.command === "update" && ret);
    }
    if (!readOnly && (m.command === "set" || (m.command === "update" && ret))) {
      this.touch(list, key, e, now);
      e.ttl = ttl;
    }
    return ret;
  }

  /** The entries of a list, least recently seen first. */
  entries(name: string): RecentEntryView[] {
    return [...(this.lists.get(name)?.values() ?? [])].map((e) => ({
      addr: e.addr,
      ttl: e.ttl,
      lastSeen: e.stamps[e.index - 1] as number,
      stamps: [...e.stamps],
    }));
  }

  /** The names of the lists that exist, sorted. */
  names(): string[] {
    return [...this.lists.keys()].sort();
  }

  private list(name: string): Map<IPv4, Entry> {
    let list = this.lists.get(name);
    if (!list) {
      list = new Map();
      this.lists.set(name, list);
    }
    return list;
  }

  private insert(list: Map<IPv4, Entry>, addr: IPv4, ttl: number, now: number): void {
    if (list.size >= this.ipListTot) {
      const lru = list.keys().next().value as IPv4;
      list.delete(lru);
    }
    list.set(addr, { addr, ttl, stamps: [now], index: 1 });
  }

  private touch(list: Map<IPv4, Entry>, key: IPv4, e: Entry, now: number): void {
    // why: recent_entry_update — index %= ip_pkt_list_tot; stamps[index++] = jiffies; move to LRU tail.
    e.index %= this.ipPktListTot;
    e.stamps[e.index++] = now;
    list.delete(key);
    list.set(key, e);
  }

  private reap(list: Map<IPv4, Entry>, oldest: number, working: Entry, update: boolean): void {
    // why: recent_entry_reap — only the LRU head is considered, never the entry about to be updated.
    const head = list.values().next().value as Entry | undefined;
    if (!head || (head === working && update)) return;
    const newest = head.stamps[head.index - 1] as number;
    if (oldest > newest) list.delete(head.addr);
  }
}
