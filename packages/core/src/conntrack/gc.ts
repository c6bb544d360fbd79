import type { EventHandle, Nanos, Scheduler } from "../engine/index.ts";
import { IPS } from "./entry.ts";
import type { Conntrack } from "./table.ts";
import { tcpCanEarlyDrop } from "./tcp.ts";

// why: nf_conntrack_core.c — GC_SCAN_INTERVAL_MIN 1 s, GC_SCAN_INTERVAL_MAX
// 60 s, remaining timeouts clamped to GC_SCAN_INTERVAL_CLAMP 300 s, and an
// initial bias of GC_SCAN_INITIAL_COUNT (100) entries at the 60 s maximum.
const MIN_S = 1;
const MAX_S = 60;
const CLAMP_S = 300;
const INITIAL_COUNT = 100;

/**
 * The conntrack garbage collector (gc_worker): one scheduler event at a
 * time — never one per entry — that removes expired entries, evicts
 * droppable ones when a full table dropped a packet since the last pass,
 * and picks its next run from the average remaining timeout. It stops
 * while the table is empty and restarts on the next confirm. Between
 * passes, lookups still never see an expired entry.
 */
export class GcWorker {
  private handle: EventHandle | undefined;
  private intervalNs = MAX_S * 1e9;

  constructor(
    private readonly table: Conntrack,
    private readonly sched: Scheduler,
    private readonly component: string,
  ) {}

  /** Schedules the next pass unless one is pending. */
  ensureScheduled(): void {
    if (this.handle !== undefined && !this.handle.done) return;
    this.handle = this.sched.after(this.intervalNs as Nanos, () => this.run(), this.component);
  }

  /** One pass now; returns how many entries it removed. */
  scan(): number {
    const { removed, intervalS } = GcWorker.pass(this.table);
    this.intervalNs = Math.floor(intervalS * 1e9);
    return removed;
  }

  /** One pass over `table` without any scheduling. */
  static sweep(table: Conntrack): number {
    return GcWorker.pass(table).removed;
  }

  private run(): void {
    this.handle = undefined;
    this.scan();
    if (this.table.count > 0) this.ensureScheduled();
  }

  private static pass(table: Conntrack): { removed: number; intervalS: number } {
    const now = table.now;
    // why: after a table-full drop, gc_worker evicts while the count is at
    // or above 95% of nf_conntrack_max (nf_conntrack_max / 100 * 95).
    const max95 = table.earlyDropPending ? Math.floor(table.config.max / 100) * 95 : 0;
    table.earlyDropPending = false;
    let removed = 0;
    let sum = INITIAL_COUNT * MAX_S;
    let n = INITIAL_COUNT;
    for (const e of [...table.all()]) {
      if (e.deadline <= now) {
        table.expire(e);
        removed++;
        continue;
      }
      sum += Math.min(CLAMP_S, Math.max(MIN_S, (e.deadline - now) / 1e9));
      n++;
      if (max95 === 0 || table.count < max95) continue;
      // why: gc_worker_can_early_drop — not ASSURED, or a TCP entry in a closing state.
      const droppable = !e.has(IPS.ASSURED) || (e.original.proto === "TCP" && tcpCanEarlyDrop(e.tcpState));
      if (droppable) {
        table.destroy(e, "gc-early-drop");
        removed++;
      }
    }
    return { removed, intervalS: Math.min(MAX_S, Math.max(MIN_S, sum / n)) };
  }
}
