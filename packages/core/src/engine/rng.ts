import seedrandom from "seedrandom";

/**
 * One named, seeded random stream. Every draw a component makes comes from
 * its own stream, so a component's draws depend only on the run's seed and
 * the stream's path — never on how many other components exist or in which
 * order they were built (the trap ns-3's construction-order streams fall in).
 */
export class RandomStream {
  private readonly prng: seedrandom.PRNG;

  constructor(
    readonly seed: number,
    readonly path: string,
  ) {
    // Alea: fast, well distributed, and its state is seeded from the whole
    // string, so "(seed, path)" pairs give unrelated sequences.
    this.prng = seedrandom.alea(`svcsim\u0000${seed}\u0000${path}`);
  }

  /** A uniform draw in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** A uniform draw in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.prng();
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.prng() < p;
  }

  /** An exponential draw with the given mean (inverse transform). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.prng());
  }

  /** A standard normal draw (Box–Muller; one draw per pair discarded for simplicity and determinism). */
  normal(mean = 0, stddev = 1): number {
    const u = 1 - this.prng();
    const v = this.prng();
    return mean + stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A lognormal draw whose underlying normal has parameters `mu`, `sigma`. */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError(`pick from an empty array (stream ${this.path})`);
    return items[this.int(items.length)] as T;
  }
}

/**
 * The source of every random stream in a run, keyed by `(seed, path)`.
 * Asking twice for one path returns the same stream, so its draws continue.
 */
export class Rng {
  private readonly streams = new Map<string, RandomStream>();

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  }

  /** The stream for a stable path such as `"node/worker-2/iptables/statistic"`. */
  stream(path: string): RandomStream {
    let stream = this.streams.get(path);
    if (!stream) {
      stream = new RandomStream(this.seed, path);
      this.streams.set(path, stream);
    }
    return stream;
  }
}
