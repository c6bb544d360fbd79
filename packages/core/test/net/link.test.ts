import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Nanos, Rng, Scheduler, us } from "../../src/engine/index.ts";
import { Link, type LinkDropReason, makePacket, type Packet } from "../../src/net/index.ts";

function setup(seed = 1, loss = 0, latency: Nanos = us(5)) {
  const sched = new Scheduler();
  const drops: { id: number; reason: LinkDropReason; t: number }[] = [];
  const arrivals: { id: number; t: number; side: number }[] = [];
  const link = new Link("test", sched, new Rng(seed), { latency, loss }, (pkt, reason) =>
    drops.push({ id: pkt.id, reason, t: sched.now }),
  );
  link.connect(0, (pkt) => arrivals.push({ id: pkt.id, t: sched.now, side: 0 }));
  link.connect(1, (pkt) => arrivals.push({ id: pkt.id, t: sched.now, side: 1 }));
  return { sched, link, drops, arrivals };
}

let nextId = 1;
const pkt = (): Packet => makePacket(nextId++, { proto: "UDP", src: 1, dst: 2, srcPort: 1000, dstPort: 53 });

describe("Link", () => {
  it("delivers to the other end exactly one latency later, in both directions", () => {
    const { sched, link, arrivals } = setup(1, 0, us(5));
    const a = pkt();
    const b = pkt();
    link.send(0, a);
    sched.runUntil(us(1));
    link.send(1, b);
    sched.runToIdle();
    expect(arrivals).toEqual([
      { id: a.id, t: 5000, side: 1 },
      { id: b.id, t: 6000, side: 0 },
    ]);
  });

  it("drops everything while down (link-down), including packets in flight when it goes down", () => {
    const { sched, link, drops, arrivals } = setup();
    const inFlight = pkt();
    link.send(0, inFlight);
    link.setUp(false);
    const refused = pkt();
    link.send(0, refused);
    sched.runToIdle();
    expect(arrivals).toEqual([]);
    expect(drops.map((d) => [d.id, d.reason])).toEqual([
      [refused.id, "link-down"],
      [inFlight.id, "link-down"],
    ]);
    link.setUp(true);
    link.send(0, pkt());
    sched.runToIdle();
    expect(arrivals).toHaveLength(1);
  });

  it("applies setLatency to packets sent afterwards only", () => {
    const { sched, link, arrivals } = setup(1, 0, us(10));
    link.send(0, pkt());
    link.setLatency(us(1));
    link.send(0, pkt());
    sched.runToIdle();
    expect(arrivals.map((a) => a.t)).toEqual([1000, 10000]);
  });

  it("loses the same packets for the same seed, and draws nothing when lossless", () => {
    const run = (seed: number) => {
      const { sched, link, drops } = setup(seed, 0.3);
      for (let i = 0; i < 200; i++) link.send(0, makePacket(i, { proto: "UDP", src: 1, dst: 2 }));
      sched.runToIdle();
      return drops.map((d) => d.id);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    const { sched, link, drops } = setup(7, 0);
    for (let i = 0; i < 200; i++) link.send(0, pkt());
    sched.runToIdle();
    expect(drops).toEqual([]);
  });

  it("rejects a loss that is not a probability", () => {
    const { link } = setup();
    expect(() => link.setLoss(1.5)).toThrow(RangeError);
    expect(() => link.setLoss(Number.NaN)).toThrow(RangeError);
  });

  it("loses a fraction of packets that converges to the loss probability (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0.02, max: 0.98, noNaN: true }),
        (seed, p) => {
          const n = 4000;
          const { sched, link, drops } = setup(seed, p);
          for (let i = 0; i < n; i++) link.send(0, makePacket(i, { proto: "UDP", src: 1, dst: 2 }));
          sched.runToIdle();
          // Bernoulli(p) losses: the observed rate lies within 5 standard errors
          // of p except with probability < 1e-6.
          const se = Math.sqrt((p * (1 - p)) / n);
          expect(Math.abs(drops.length / n - p)).toBeLessThan(5 * se);
          expect(drops.every((d) => d.reason === "link-loss")).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });
});
