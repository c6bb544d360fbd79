import type { Nanos, RandomStream } from "../engine/index.ts";

/** A change of an open-loop rate: from `at`, move to `rate` requests/s, linearly over `over` (a step when 0). */
export interface RatePoint {
  readonly at: Nanos;
  readonly rate: number;
  readonly over?: Nanos;
}

/**
 * An arrival rate over time: `base` requests/s until the first point, then
 * each point's ramp in turn. Points must be in time order and a ramp must
 * end before the next point starts.
 */
export class RateSchedule {
  /** The highest rate the schedule reaches (the thinning bound). */
  readonly max: number;

  constructor(
    readonly base: number,
    readonly points: readonly RatePoint[] = [],
  ) {
    const rates = [base, ...points.map((p) => p.rate)];
    for (const r of rates) {
      if (!(Number.isFinite(r) && r >= 0)) throw new RangeError(`a rate must be a finite number ≥ 0, got ${r}`);
    }
    points.forEach((p, i) => {
      const prev = points[i - 1];
      if (prev && p.at < prev.at + (prev.over ?? 0)) {
        throw new RangeError(`rate point ${i} at ${p.at} ns starts before the previous ramp ends`);
      }
    });
    this.max = Math.max(...rates);
  }

  /** The rate at `t`, requests/s. */
  rateAt(t: number): number {
    let current = this.base;
    for (const p of this.points) {
      if (t < p.at) return current;
      const over = p.over ?? 0;
      if (over > 0 && t < p.at + over) return current + ((p.rate - current) * (t - p.at)) / over;
      current = p.rate;
    }
    return current;
  }

  /** The time after which the rate no longer changes. */
  get settledAt(): number {
    const last = this.points.at(-1);
    return last ? last.at + (last.over ?? 0) : 0;
  }
}

/**
 * Poisson arrivals at a rate that varies over time (a non-homogeneous
 * Poisson process), by thinning (Lewis & Shedler 1979): candidates come at
 * the schedule's highest rate — exponential gaps from one seeded stream —
 * and each is kept with probability rate(t) / max. A constant rate keeps
 * every candidate, so it is a plain Poisson process with the same draws.
 */
export class PoissonArrivals {
  constructor(
    private readonly schedule: RateSchedule,
    private readonly stream: RandomStream,
  ) {}

  /** The first arrival after `after`, or undefined if none comes before `stop`. */
  next(after: number, stop: number): number | undefined {
    const { max } = this.schedule;
    if (max <= 0) return undefined;
    const mean = 1e9 / max;
    let t = after;
    for (;;) {
      t += Math.round(this.stream.exponential(mean));
      if (t >= stop) return undefined;
      const rate = this.schedule.rateAt(t);
      if (rate >= max || this.stream.next() * max < rate) return t;
      // A rate that stays 0 from here on never brings another arrival.
      if (rate === 0 && t >= this.schedule.settledAt) return undefined;
    }
  }
}
