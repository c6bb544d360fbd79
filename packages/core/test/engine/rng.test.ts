import { describe, expect, it } from "vitest";
import { RandomStream, Rng } from "../../src/engine/index.ts";

const draws = (stream: RandomStream, n: number): number[] => Array.from({ length: n }, () => stream.next());

/** Mean and standard deviation of `n` draws. */
function moments(n: number, draw: () => number): { mean: number; sd: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, sd: Math.sqrt(sumSq / n - mean * mean) };
}

describe("Rng streams", () => {
  it("give the same draws for the same (seed, path)", () => {
    const a = new Rng(42).stream("node/worker-2/iptables/statistic");
    const b = new Rng(42).stream("node/worker-2/iptables/statistic");
    expect(draws(a, 100)).toEqual(draws(b, 100));
  });

  it("continue one stream when a path is asked for twice", () => {
    const rng = new Rng(7);
    const first = draws(rng.stream("a"), 5);
    const next = draws(rng.stream("a"), 5);
    expect([...first, ...next]).toEqual(draws(new Rng(7).stream("a"), 10));
  });

  it("leave a stream's draws unchanged when other streams are added or used", () => {
    const alone = new Rng(42);
    const expected = draws(alone.stream("client/web-1"), 50);

    const crowded = new Rng(42);
    draws(crowded.stream("node/a/conntrack"), 13);
    const mine = crowded.stream("client/web-1");
    const got: number[] = [];
    for (let i = 0; i < 50; i++) {
      got.push(mine.next());
      crowded.stream(`extra/${i}`).next();
    }
    expect(got).toEqual(expected);
  });

  it("differ between paths and between seeds", () => {
    const base = draws(new Rng(42).stream("p"), 20);
    expect(draws(new Rng(42).stream("q"), 20)).not.toEqual(base);
    expect(draws(new Rng(43).stream("p"), 20)).not.toEqual(base);
    // "ab"+"c" and "a"+"bc" must not collide: the path is one whole string.
    expect(draws(new Rng(1).stream("ab/c"), 5)).not.toEqual(draws(new Rng(1).stream("a/bc"), 5));
  });

  it("rejects a seed that is not a safe integer", () => {
    expect(() => new Rng(1.5)).toThrow(RangeError);
    expect(() => new Rng(Number.NaN)).toThrow(RangeError);
  });
});

// Tolerances are at least 6 standard errors of the mean for n = 100,000 draws
// (σ/√n), so a correct generator passes and a biased one fails.
describe("RandomStream distributions (fixed seeds)", () => {
  const N = 100_000;

  it("next() is uniform on [0, 1): mean 1/2, sd 1/√12", () => {
    const s = new RandomStream(1, "uniform");
    let min = 1;
    let max = 0;
    const m = moments(N, () => {
      const x = s.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      return x;
    });
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(6 * (1 / Math.sqrt(12) / Math.sqrt(N)));
    expect(Math.abs(m.sd - 1 / Math.sqrt(12))).toBeLessThan(0.005);
  });

  it("int(n) covers 0..n-1 evenly", () => {
    const s = new RandomStream(2, "int");
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < N; i++) {
      const k = s.int(10);
      counts[k] = (counts[k] as number) + 1;
    }
    // Each bucket: binomial(N, 1/10), sd = √(N·0.1·0.9) ≈ 95.
    for (const c of counts) expect(Math.abs(c - N / 10)).toBeLessThan(6 * 95);
  });

  it("uniform(lo, hi) has mean (lo+hi)/2", () => {
    const s = new RandomStream(3, "u");
    const m = moments(N, () => s.uniform(10, 20));
    expect(Math.abs(m.mean - 15)).toBeLessThan(6 * (10 / Math.sqrt(12) / Math.sqrt(N)));
  });

  it("chance(p) is true with frequency p", () => {
    const s = new RandomStream(4, "c");
    let hits = 0;
    for (let i = 0; i < N; i++) if (s.chance(0.3)) hits++;
    expect(Math.abs(hits / N - 0.3)).toBeLessThan(6 * Math.sqrt((0.3 * 0.7) / N));
  });

  it("exponential(mean) has that mean and sd", () => {
    const s = new RandomStream(5, "e");
    const m = moments(N, () => s.exponential(2));
    expect(Math.abs(m.mean - 2)).toBeLessThan(6 * (2 / Math.sqrt(N)));
    expect(Math.abs(m.sd - 2)).toBeLessThan(0.05);
  });

  it("normal(mean, sd) has that mean and sd", () => {
    const s = new RandomStream(6, "n");
    const m = moments(N, () => s.normal(5, 3));
    expect(Math.abs(m.mean - 5)).toBeLessThan(6 * (3 / Math.sqrt(N)));
    expect(Math.abs(m.sd - 3)).toBeLessThan(0.05);
  });

  it("lognormal(mu, sigma) has mean exp(mu + sigma²/2)", () => {
    const s = new RandomStream(7, "ln");
    const m = moments(N, () => s.lognormal(0, 0.5));
    const mean = Math.exp(0.125);
    const sd = Math.sqrt((Math.exp(0.25) - 1) * Math.exp(0.25));
    expect(Math.abs(m.mean - mean)).toBeLessThan(6 * (sd / Math.sqrt(N)));
  });

  it("pick() draws every element and refuses an empty array", () => {
    const s = new RandomStream(8, "pick");
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(s.pick(["a", "b", "c"]));
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
    expect(() => s.pick([])).toThrow(/empty/);
  });
});
