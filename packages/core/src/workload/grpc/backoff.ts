import { type Nanos, type RandomStream, s } from "../../engine/index.ts";

/** gRPC's exponential backoff parameters (doc/connection-backoff.md). */
export interface BackoffConfig {
  readonly baseDelay: Nanos;
  readonly multiplier: number;
  readonly jitter: number;
  readonly maxDelay: Nanos;
}

/**
 * grpc-go backoff.DefaultConfig, from gRPC's connection-backoff.md:
 * INITIAL_BACKOFF 1 s, MULTIPLIER 1.6, JITTER 0.2, MAX_BACKOFF 120 s.
 */
export const GRPC_BACKOFF: BackoffConfig = { baseDelay: s(1), multiplier: 1.6, jitter: 0.2, maxDelay: s(120) };

/**
 * The delay before retry number `retries` (grpc-go internal/backoff
 * Exponential.Backoff): the base delay for the first, then multiplied per
 * retry up to the maximum, then randomised by ±jitter from `stream`.
 */
export function backoffDelay(config: BackoffConfig, retries: number, stream: RandomStream): Nanos {
  if (retries === 0) return config.baseDelay;
  let delay: number = config.baseDelay;
  for (let n = retries; delay < config.maxDelay && n > 0; n--) delay *= config.multiplier;
  delay = Math.min(delay, config.maxDelay);
  delay *= 1 + config.jitter * (stream.next() * 2 - 1);
  return Math.max(0, Math.round(delay)) as Nanos;
}
