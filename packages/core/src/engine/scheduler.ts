import { SimInvariantError } from "./errors.ts";
import type { Nanos } from "./time.ts";

/** A scheduled callback. Keep it to cancel the event before it fires. */
export interface EventHandle {
  readonly time: Nanos;
  readonly seq: number;
  /** Which component scheduled it; named in invariant errors. */
  readonly component: string;
  /** True once cancelled or fired. */
  readonly done: boolean;
}

type Callback = () => void;

/** The callback a cancelled slot holds until its heap entry is discarded. */
const CANCELLED: Callback = () => {};
/** A slot's seq once its event has fired or been discarded: no handle matches it. */
const FREE = -1;
/** Slot record layout in `slots`: callback, seq. (The component lives only in the handle.) */
const FN = 0;
const SEQ = 1;
const WIDTH = 2;
/** Heap arity: four children of 16 bytes each share one 64-byte cache line. */
const D = 4;
/** Compact when more than this many cancelled entries are in the heap and they outnumber live ones. */
const COMPACT_MIN = 1024;

/**
 * The handle given back to a caller. The scheduler keeps no reference to it,
 * so a handle the caller drops dies young instead of living until its event
 * fires. It finds its event through `(slot, seq)`: once the slot is reused
 * the seq differs, so a stale handle can never touch another event.
 */
class Handle implements EventHandle {
  constructor(
    private readonly sched: Scheduler,
    private readonly slot: number,
    readonly time: Nanos,
    readonly seq: number,
    readonly component: string,
  ) {}

  get done(): boolean {
    return !this.sched.isLive(this.slot, this.seq);
  }

  cancelIn(sched: Scheduler): void {
    if (sched === this.sched) sched.cancelSlot(this.slot, this.seq);
  }
}

/**
 * The discrete-event scheduler: a min-heap ordered by `(time, seq)`, where
 * `seq` is the order of scheduling. Two events at the same nanosecond fire in
 * the order they were scheduled (ns-3 and SimPy break ties the same way), so a
 * run is a total order and replays identically.
 *
 * Layout, for speed on the hot path (bench/engine.ts measures it):
 * - each pending event lives in a numbered slot of one flat array
 *   (callback, seq); freed slots are reused, so steady state allocates
 *   nothing but the handle;
 * - the heap is 4-ary and holds `(time, slot)` pairs interleaved in one
 *   Float64Array, so a sift reads one cache line per level and `seq` is only
 *   looked up to break a tie;
 * - cancelling is lazy: the slot is flagged and its entry discarded when it
 *   reaches the top, or all at once when cancelled entries outnumber live ones.
 */
export class Scheduler {
  private heap = new Float64Array(2 * 64);
  private size = 0;
  private readonly slots: (Callback | number)[] = [];
  private readonly freeSlots: number[] = [];
  private cancelledInHeap = 0;
  private nextSeq = 0;
  private currentSeq = -1;
  private clock = 0;
  /** Events fired since the scheduler was made. */
  fired = 0;

  /** The current simulated time. */
  get now(): Nanos {
    return this.clock as Nanos;
  }

  /** Events scheduled and neither fired nor cancelled. */
  get pending(): number {
    return this.size - this.cancelledInHeap;
  }

  /** The `(time, seq)` of the event being fired, for errors raised inside it. */
  where(component: string): { t: Nanos; seq: number; component: string } {
    return { t: this.clock as Nanos, seq: this.currentSeq, component };
  }

  /** Schedules `fn` at absolute time `at`. Scheduling into the past throws. */
  at(at: Nanos, fn: () => void, component = "sim"): EventHandle {
    if (!(at >= this.clock) || !Number.isSafeInteger(at)) this.refuse(at, component);
    const seq = this.nextSeq++;
    const slot = this.freeSlots.length > 0 ? (this.freeSlots.pop() as number) : this.newSlot();
    const base = slot * WIDTH;
    this.slots[base + FN] = fn;
    this.slots[base + SEQ] = seq;
    this.push(at, slot);
    return new Handle(this, slot, at, seq, component);
  }

  /** Schedules `fn` after `delay` nanoseconds. */
  after(delay: Nanos, fn: () => void, component = "sim"): EventHandle {
    return this.at((this.clock + delay) as Nanos, fn, component);
  }

  /** Cancels an event; cancelling a fired or cancelled event does nothing. */
  cancel(handle: EventHandle | undefined): void {
    if (handle instanceof Handle) handle.cancelIn(this);
  }

  /** The time of the next live event, or undefined when idle. */
  peek(): Nanos | undefined {
    this.dropCancelledTop();
    return this.size > 0 ? (this.heap[0] as Nanos) : undefined;
  }

  /** Fires the next event. Returns false when there is none. */
  step(): boolean {
    this.dropCancelledTop();
    if (this.size === 0) return false;
    this.fireTop();
    return true;
  }

  /**
   * Fires every event with time ≤ `end`, then sets the clock to `end`.
   * Returns the number of events fired.
   */
  runUntil(end: Nanos): number {
    const before = this.fired;
    for (;;) {
      this.dropCancelledTop();
      if (this.size === 0 || (this.heap[0] as number) > end) break;
      this.fireTop();
    }
    if (end > this.clock) this.clock = end;
    return this.fired - before;
  }

  /**
   * Fires events until none is left. `maxEvents` guards against a model that
   * reschedules itself forever: exceeding it is an invariant error.
   */
  runToIdle(maxEvents = Number.POSITIVE_INFINITY): number {
    const before = this.fired;
    while (this.step()) {
      if (this.fired - before >= maxEvents && this.pending > 0) {
        throw new SimInvariantError(
          `still ${this.pending} events pending after ${maxEvents} events: the model never goes idle`,
          this.where("scheduler"),
        );
      }
    }
    return this.fired - before;
  }

  /** @internal True while the event scheduled as `seq` in `slot` has neither fired nor been cancelled. */
  isLive(slot: number, seq: number): boolean {
    const base = slot * WIDTH;
    return this.slots[base + SEQ] === seq && this.slots[base + FN] !== CANCELLED;
  }

  /** @internal Flags a live event as cancelled; its heap entry is discarded later. */
  cancelSlot(slot: number, seq: number): void {
    if (!this.isLive(slot, seq)) return;
    this.slots[slot * WIDTH + FN] = CANCELLED;
    this.cancelledInHeap++;
    // Keeps the heap, and so every sift, proportional to live events when a
    // model cancels far more timers than it lets fire (retransmit timers).
    if (this.cancelledInHeap > COMPACT_MIN && this.cancelledInHeap * 2 > this.size) this.compact();
  }

  /** Pops the top entry (known live) and runs its callback at its time. */
  private fireTop(): void {
    const heap = this.heap;
    const slot = heap[1] as number;
    this.clock = heap[0] as number;
    this.popTop();
    const slots = this.slots;
    const base = slot * WIDTH;
    const fn = slots[base + FN] as Callback;
    this.currentSeq = slots[base + SEQ] as number;
    this.release(slot);
    this.fired++;
    fn();
    this.currentSeq = -1;
  }

  private dropCancelledTop(): void {
    while (this.size > 0 && this.slots[(this.heap[1] as number) * WIDTH + FN] === CANCELLED) {
      const slot = this.heap[1] as number;
      this.popTop();
      this.cancelledInHeap--;
      this.release(slot);
    }
  }

  /** Kept out of `at` so that the hot path stays small enough to inline. */
  private refuse(at: number, component: string): never {
    throw new SimInvariantError(
      `cannot schedule at ${at}ns: it is before now (${this.clock}ns) or not an integer`,
      this.where(component),
    );
  }

  private newSlot(): number {
    const slot = this.slots.length / WIDTH;
    this.slots.push(CANCELLED, FREE);
    return slot;
  }

  private release(slot: number): void {
    const base = slot * WIDTH;
    this.slots[base + FN] = CANCELLED;
    this.slots[base + SEQ] = FREE;
    this.freeSlots.push(slot);
  }

  /** Drops every cancelled entry and rebuilds the heap bottom-up (Floyd), O(n). */
  private compact(): void {
    const heap = this.heap;
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const slot = heap[2 * i + 1] as number;
      if (this.slots[slot * WIDTH + FN] === CANCELLED) {
        this.release(slot);
      } else {
        heap[2 * n] = heap[2 * i] as number;
        heap[2 * n + 1] = slot;
        n++;
      }
    }
    this.size = n;
    this.cancelledInHeap = 0;
    for (let i = Math.floor((n - 2) / D); i >= 0; i--)
      this.siftDown(i, heap[2 * i] as number, heap[2 * i + 1] as number);
  }

  /** `(t, slot)` orders before `(u, other)`: earlier time, or the same time and scheduled first. */
  private before(t: number, slot: number, u: number, other: number): boolean {
    return (
      t < u || (t === u && (this.slots[slot * WIDTH + SEQ] as number) < (this.slots[other * WIDTH + SEQ] as number))
    );
  }

  private push(t: number, slot: number): void {
    if (2 * this.size === this.heap.length) {
      const grown = new Float64Array(this.heap.length * 2);
      grown.set(this.heap);
      this.heap = grown;
    }
    const heap = this.heap;
    let i = this.size++;
    while (i > 0) {
      const p = ((i - 1) / D) | 0;
      const pt = heap[2 * p] as number;
      const ps = heap[2 * p + 1] as number;
      if (!this.before(t, slot, pt, ps)) break;
      heap[2 * i] = pt;
      heap[2 * i + 1] = ps;
      i = p;
    }
    heap[2 * i] = t;
    heap[2 * i + 1] = slot;
  }

  private popTop(): void {
    const n = --this.size;
    if (n > 0) this.siftDown(0, this.heap[2 * n] as number, this.heap[2 * n + 1] as number);
  }

  /** Places `(t, slot)` at `i` or below, moving the smallest child up while it orders first. */
  private siftDown(start: number, t: number, slot: number): void {
    const heap = this.heap;
    const n = this.size;
    let i = start;
    for (;;) {
      const first = D * i + 1;
      if (first >= n) break;
      let c = first;
      let ct = heap[2 * c] as number;
      let cs = heap[2 * c + 1] as number;
      const last = Math.min(first + D, n);
      for (let j = first + 1; j < last; j++) {
        const jt = heap[2 * j] as number;
        if (jt > ct) continue;
        const js = heap[2 * j + 1] as number;
        if (this.before(jt, js, ct, cs)) {
          c = j;
          ct = jt;
          cs = js;
        }
      }
      if (!this.before(ct, cs, t, slot)) break;
      heap[2 * i] = ct;
      heap[2 * i + 1] = cs;
      i = c;
    }
    heap[2 * i] = t;
    heap[2 * i + 1] = slot;
  }
}
