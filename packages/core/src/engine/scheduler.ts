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

interface Entry extends EventHandle {
  done: boolean;
  fn: () => void;
}

/**
 * The discrete-event scheduler: a binary min-heap ordered by `(time, seq)`,
 * where `seq` is the order of scheduling. Two events at the same nanosecond
 * fire in the order they were scheduled (ns-3 and SimPy break ties the same
 * way), so a run is a total order and replays identically.
 *
 * Times and sequence numbers live in parallel arrays next to the entries so
 * that sifting compares plain numbers without chasing pointers.
 */
export class Scheduler {
  private times: number[] = [];
  private seqs: number[] = [];
  private entries: Entry[] = [];
  private nextSeq = 0;
  private live = 0;
  private current: Entry | undefined;
  private clock = 0 as Nanos;
  /** Events fired since the scheduler was made. */
  fired = 0;

  /** The current simulated time. */
  get now(): Nanos {
    return this.clock;
  }

  /** Events scheduled and neither fired nor cancelled. */
  get pending(): number {
    return this.live;
  }

  /** The `(time, seq)` of the event being fired, for errors raised inside it. */
  where(component: string): { t: Nanos; seq: number; component: string } {
    return { t: this.clock, seq: this.current?.seq ?? -1, component };
  }

  /** Schedules `fn` at absolute time `at`. Scheduling into the past throws. */
  at(at: Nanos, fn: () => void, component = "sim"): EventHandle {
    if (!(at >= this.clock) || !Number.isSafeInteger(at)) {
      throw new SimInvariantError(
        `cannot schedule at ${at}ns: it is before now (${this.clock}ns) or not an integer`,
        this.where(component),
      );
    }
    const entry: Entry = { time: at, seq: this.nextSeq++, component, done: false, fn };
    this.push(entry);
    this.live++;
    return entry;
  }

  /** Schedules `fn` after `delay` nanoseconds. */
  after(delay: Nanos, fn: () => void, component = "sim"): EventHandle {
    return this.at((this.clock + delay) as Nanos, fn, component);
  }

  /** Cancels an event; cancelling a fired or cancelled event does nothing. */
  cancel(handle: EventHandle | undefined): void {
    const entry = handle as Entry | undefined;
    if (!entry || entry.done) return;
    entry.done = true;
    this.live--;
  }

  /** The time of the next live event, or undefined when idle. */
  peek(): Nanos | undefined {
    this.dropCancelledTop();
    return this.entries.length > 0 ? (this.times[0] as Nanos) : undefined;
  }

  /** Fires the next event. Returns false when there is none. */
  step(): boolean {
    this.dropCancelledTop();
    if (this.entries.length === 0) return false;
    const entry = this.pop();
    this.clock = entry.time;
    entry.done = true;
    this.live--;
    this.current = entry;
    this.fired++;
    entry.fn();
    this.current = undefined;
    return true;
  }

  /**
   * Fires every event with time ≤ `end`, then sets the clock to `end`.
   * Returns the number of events fired.
   */
  runUntil(end: Nanos): number {
    const before = this.fired;
    for (;;) {
      const next = this.peek();
      if (next === undefined || next > end) break;
      this.step();
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
      if (this.fired - before >= maxEvents && this.live > 0) {
        throw new SimInvariantError(
          `still ${this.live} events pending after ${maxEvents} events: the model never goes idle`,
          this.where("scheduler"),
        );
      }
    }
    return this.fired - before;
  }

  private dropCancelledTop(): void {
    while (this.entries.length > 0 && (this.entries[0] as Entry).done) this.pop();
  }

  private push(entry: Entry): void {
    const { times, seqs, entries } = this;
    let i = entries.length;
    times.push(entry.time);
    seqs.push(entry.seq);
    entries.push(entry);
    const t = entry.time;
    const q = entry.seq;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p] as number;
      if (pt < t || (pt === t && (seqs[p] as number) < q)) break;
      times[i] = pt;
      seqs[i] = seqs[p] as number;
      entries[i] = entries[p] as Entry;
      i = p;
    }
    times[i] = t;
    seqs[i] = q;
    entries[i] = entry;
  }

  private pop(): Entry {
    const { times, seqs, entries } = this;
    const top = entries[0] as Entry;
    const lastEntry = entries.pop() as Entry;
    const t = times.pop() as number;
    const q = seqs.pop() as number;
    const n = entries.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let ct = times[l] as number;
      if (r < n) {
        const rt = times[r] as number;
        if (rt < ct || (rt === ct && (seqs[r] as number) < (seqs[l] as number))) {
          c = r;
          ct = rt;
        }
      }
      if (t < ct || (t === ct && q < (seqs[c] as number))) break;
      times[i] = ct;
      seqs[i] = seqs[c] as number;
      entries[i] = entries[c] as Entry;
      i = c;
    }
    times[i] = t;
    seqs[i] = q;
    entries[i] = lastEntry;
    return top;
  }
}
