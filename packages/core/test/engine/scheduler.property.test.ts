import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EventHandle, type Nanos, Scheduler } from "../../src/engine/index.ts";

/** One operation on the scheduler; delays are small so that ties are common. */
type Op =
  | { kind: "schedule"; delay: number; child?: number }
  | { kind: "cancel"; pick: number }
  | { kind: "step" }
  | { kind: "runUntil"; ahead: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("schedule" as const),
    delay: fc.nat(6),
    child: fc.option(fc.nat(6), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("step" as const) }),
  fc.record({ kind: fc.constant("runUntil" as const), ahead: fc.nat(4) }),
);

/** The reference: a plain list, the next event found by a linear scan on (time, seq). */
interface RefEvent {
  id: number;
  time: number;
  seq: number;
  child: number | undefined;
  live: boolean;
}

class Reference {
  /** Indexed by id. */
  events: RefEvent[] = [];
  now = 0;
  fired: number[] = [];
  private seq = 0;
  schedule(time: number, child: number | undefined): void {
    this.events.push({ id: this.events.length, time, seq: this.seq++, child, live: true });
  }
  next(): RefEvent | undefined {
    let best: RefEvent | undefined;
    for (const ev of this.events) {
      if (ev.live && (!best || ev.time < best.time || (ev.time === best.time && ev.seq < best.seq))) best = ev;
    }
    return best;
  }
  step(): void {
    const ev = this.next();
    if (ev) this.fire(ev);
  }
  fire(ev: RefEvent): void {
    ev.live = false;
    this.now = ev.time;
    this.fired.push(ev.id);
    if (ev.child !== undefined) this.schedule(this.now + ev.child, undefined);
  }
}

describe("Scheduler against a reference (property)", () => {
  it("fires exactly the uncancelled events, sorted by (time, seq), for any interleaving", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const sched = new Scheduler();
        const ref = new Reference();
        const fired: number[] = [];
        /** Indexed by id: ids are handed out in scheduling order on both sides, so they agree while orders do. */
        const handles: EventHandle[] = [];
        const add = (delay: number, child: number | undefined): void => {
          const id = handles.length;
          handles.push(
            sched.after(delay as Nanos, () => {
              fired.push(id);
              if (child !== undefined) add(child, undefined);
            }),
          );
        };
        for (const o of ops) {
          if (o.kind === "schedule") {
            ref.schedule(sched.now + o.delay, o.child);
            add(o.delay, o.child);
          } else if (o.kind === "cancel" && handles.length > 0) {
            const i = o.pick % handles.length;
            sched.cancel(handles[i]);
            (ref.events[i] as RefEvent).live = false;
          } else if (o.kind === "step") {
            sched.step();
            ref.step();
          } else if (o.kind === "runUntil") {
            const end = sched.now + o.ahead;
            sched.runUntil(end as Nanos);
            for (let ev = ref.next(); ev && ev.time <= end; ev = ref.next()) ref.fire(ev);
            ref.now = Math.max(ref.now, end);
          }
          expect(fired).toEqual(ref.fired);
          expect(sched.now).toBe(ref.now);
          expect(sched.pending).toBe(ref.events.filter((e) => e.live).length);
          handles.forEach((h, i) => {
            expect(h.done).toBe(!(ref.events[i] as RefEvent).live);
          });
        }
        sched.runToIdle();
        for (let ev = ref.next(); ev; ev = ref.next()) ref.fire(ev);
        expect(fired).toEqual(ref.fired);
      }),
      { numRuns: 300 },
    );
  });
});

describe("Scheduler with mass cancellation (property)", () => {
  it("fires the survivors in (time, seq) order when most timers are cancelled", () => {
    // More than 1024 cancellations, most of the heap: the scheduler compacts.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(50), fc.boolean()), { minLength: 1500, maxLength: 3000 }),
        fc.nat(200),
        (plan, stepsFirst) => {
          const sched = new Scheduler();
          const fired: number[] = [];
          const handles = plan.map(([time], id) => sched.at(time as Nanos, () => fired.push(id)));
          for (let i = 0; i < stepsFirst; i++) sched.step();
          const firedEarly = fired.length;
          plan.forEach(([, cancel], id) => {
            if (cancel || id % 4 !== 0) sched.cancel(handles[id]);
          });
          sched.runToIdle();
          // Reference: ids sorted by (time, id); the first `firedEarly` fired before any cancel.
          const order = plan.map(([time], id) => ({ time, id })).sort((a, b) => a.time - b.time || a.id - b.id);
          const early = order.slice(0, firedEarly).map((e) => e.id);
          const rest = order.slice(firedEarly).filter(({ id }) => !(plan[id]?.[1] || id % 4 !== 0));
          expect(fired).toEqual([...early, ...rest.map((e) => e.id)]);
          expect(sched.pending).toBe(0);
        },
      ),
      { numRuns: 30 },
    );
  });
});
