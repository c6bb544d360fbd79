import type { Nanos, RandomStream } from "../engine/index.ts";

/** How long a server takes per request. */
export type ServiceTime =
  | { readonly kind: "constant"; readonly value: Nanos }
  /** Exponential with this mean (an M/M/c server). */
  | { readonly kind: "exponential"; readonly mean: Nanos }
  /** Lognormal with this median (e^mu) and shape sigma: the long tail real services show. */
  | { readonly kind: "lognormal"; readonly median: Nanos; readonly sigma: number };

/**
 * A sampler of service times from one seeded stream, in whole nanoseconds.
 * A constant draws nothing, so a constant server leaves its stream untouched.
 */
export function serviceTimeSampler(spec: ServiceTime, stream: RandomStream): () => Nanos {
  switch (spec.kind) {
    case "constant":
      return () => spec.value;
    case "exponential":
      return () => Math.round(stream.exponential(spec.mean)) as Nanos;
    case "lognormal": {
      const mu = Math.log(Math.max(1, spec.median));
      return () => Math.round(stream.lognormal(mu, spec.sigma)) as Nanos;
    }
  }
}
