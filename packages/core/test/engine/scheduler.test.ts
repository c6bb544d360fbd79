import { describe, expect, it } from "vitest";
import { type EventHandle, type Nanos, Scheduler, SimInvariantError } from "../../src/engine/index.ts";

const t = (n: number): Nanos => n as Nanos;

describe("Scheduler order", () => {
  it("fires by time, then by scheduling order on ties (ns-3 and SimPy's tie-break)", () => {
    const sched = new Scheduler();
    const fired: string[] = [];
    sched.at(t(30), () => fired.push("c"));
    sched.at(t(10), () => fired.push("a1"));
    sched.at(t(20), () => fired.push("b"));
    sched.at(t(10), () => fired.push("a2"));
    sched.at(t(10), () => fired.push("a3"));
    expect(sched.runToIdle()).toBe(5);
    expect(fired).toEqual(["a1", "a2", "a3", "b", "c"]);
    expect(sched.now).toBe(30);
  });

  it("hands out increasing seqs and remembers time and component", () => {
    const sched = new Scheduler();
    const a = sched.at(t(5), () => {}, "node-a/conntrack");
    const b = sched.after(t(5), () => {});
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(a.time).toBe(5);
    expect(a.component).toBe("node-a/conntrack");
    expect(b.component).toBe("sim");
  });

  it("keeps times beyond 2^32 ns exact", () => {
    const sched = new Scheduler();
    const big = t(2 ** 52 + 1);
    const h = sched.at(big, () => {});
    expect(h.time).toBe(big);
    expect(sched.peek()).toBe(big);
    sched.step();
    expect(sched.now).toBe(big);
  });

  it("orders events scheduled from inside events after those already pending at the same time", () => {
    const sched = new Scheduler();
    const fired: string[] = [];
    sched.at(t(10), () => {
      fired.push("first");
      sched.at(t(10), () => fired.push("child-now"));
      sched.after(t(5), () => fired.push("child-later"));
    });
    sched.at(t(10), () => fired.push("second"));
    sched.at(t(12), () => fired.push("third"));
    sched.runToIdle();
    expect(fired).toEqual(["first", "second", "child-now", "third", "child-later"]);
  });

  it("reports the firing event's time and seq in where()", () => {
    const sched = new Scheduler();
    let seen: { t: Nanos; seq: number; component: string } | undefined;
    sched.at(t(1), () => {});
    const h = sched.at(t(7), () => {
      seen = sched.where("test");
    });
    sched.runToIdle();
    expect(seen).toEqual({ t: 7, seq: h.seq, component: "test" });
    expect(sched.where("x").seq).toBe(-1);
  });
});

describe("Scheduler cancel", () => {
  it("skips cancelled events and marks handles done", () => {
    const sched = new Scheduler();
    const fired: number[] = [];
    const a = sched.at(t(1), () => fired.push(1));
    const b = sched.at(t(2), () => fired.push(2));
    sched.at(t(3), () => fired.push(3));
    expect(sched.pending).toBe(3);
    sched.cancel(b);
    sched.cancel(b);
    expect(b.done).toBe(true);
    expect(a.done).toBe(false);
    expect(sched.pending).toBe(2);
    sched.runToIdle();
    expect(fired).toEqual([1, 3]);
    expect(a.done).toBe(true);
    expect(sched.pending).toBe(0);
  });

  it("ignores cancelling a fired event, even once its slot is reused", () => {
    const sched = new Scheduler();
    const fired: string[] = [];
    let stale: EventHandle | undefined;
    stale = sched.at(t(1), () => {
      fired.push("a");
      sched.after(t(1), () => fired.push("b"));
    });
    sched.step();
    sched.cancel(stale);
    sched.cancel(undefined);
    expect(sched.pending).toBe(1);
    sched.runToIdle();
    expect(fired).toEqual(["a", "b"]);
    stale = undefined;
  });

  it("ignores a handle from another scheduler", () => {
    const one = new Scheduler();
    const two = new Scheduler();
    const h = one.at(t(1), () => {});
    two.at(t(1), () => {});
    two.cancel(h);
    expect(h.done).toBe(false);
    expect(two.pending).toBe(1);
    expect(one.pending).toBe(1);
  });

  it("lets an event cancel a later one at the same time", () => {
    const sched = new Scheduler();
    const fired: string[] = [];
    let later: EventHandle | undefined;
    sched.at(t(5), () => {
      fired.push("first");
      sched.cancel(later);
    });
    later = sched.at(t(5), () => fired.push("later"));
    sched.runToIdle();
    expect(fired).toEqual(["first"]);
  });

  it("keeps order when most events are cancelled (compaction)", () => {
    const sched = new Scheduler();
    const fired: number[] = [];
    const handles: EventHandle[] = [];
    // times 0..4999 scrambled by a multiplier coprime to 5000; ids are times.
    for (let i = 0; i < 5000; i++) {
      const time = (i * 7919) % 5000;
      handles[time] = sched.at(t(time), () => fired.push(time));
    }
    for (let time = 0; time < 5000; time++) if (time % 5 !== 0) sched.cancel(handles[time]);
    expect(sched.pending).toBe(1000);
    sched.at(t(2500), () => fired.push(-1));
    sched.runToIdle();
    const expected = Array.from({ length: 1000 }, (_, k) => k * 5);
    expected.splice(expected.indexOf(2500) + 1, 0, -1);
    expect(fired).toEqual(expected);
  });
});

describe("Scheduler running", () => {
  it("runUntil fires events at or before the end and leaves the clock at the end", () => {
    const sched = new Scheduler();
    const fired: number[] = [];
    for (const time of [5, 10, 15]) sched.at(t(time), () => fired.push(time));
    expect(sched.runUntil(t(10))).toBe(2);
    expect(fired).toEqual([5, 10]);
    expect(sched.now).toBe(10);
    expect(sched.runUntil(t(12))).toBe(0);
    expect(sched.now).toBe(12);
    expect(sched.pending).toBe(1);
    expect(sched.peek()).toBe(15);
  });

  it("runUntil on an idle scheduler just moves the clock", () => {
    const sched = new Scheduler();
    sched.runUntil(t(1_000));
    expect(sched.now).toBe(1_000);
    expect(sched.peek()).toBeUndefined();
    expect(sched.step()).toBe(false);
  });

  it("runToIdle counts events and guards against endless models", () => {
    const sched = new Scheduler();
    const tick = (): void => {
      sched.after(t(1), tick);
    };
    sched.at(t(0), tick);
    expect(() => sched.runToIdle(100)).toThrow(SimInvariantError);
    expect(sched.fired).toBe(100);
  });

  it("throws SimInvariantError when scheduling into the past or at a non-integer time", () => {
    const sched = new Scheduler();
    sched.runUntil(t(100));
    expect(() => sched.at(t(99), () => {}, "node-a/tcp")).toThrow(SimInvariantError);
    expect(() => sched.at(t(100.5), () => {})).toThrow(SimInvariantError);
    expect(() => sched.at(t(Number.NaN), () => {})).toThrow(SimInvariantError);
    try {
      sched.at(t(1), () => {}, "node-a/tcp");
    } catch (err) {
      expect((err as SimInvariantError).where).toEqual({ t: 100, seq: -1, component: "node-a/tcp" });
    }
    expect(() => sched.at(t(100), () => {})).not.toThrow();
  });
});
