/**
 * Simulated time: an integer number of nanoseconds, branded so that a plain
 * number cannot be passed where a time is expected by accident.
 *
 * A JavaScript number holds integers exactly up to 2^53 ns (about 104 days of
 * simulated time), far beyond any scenario, and is several times faster than a
 * bigint on the scheduler's hot path.
 */
export type Nanos = number & { readonly __unit: "ns" };

/** The largest representable simulated time. */
export const MAX_TIME = Number.MAX_SAFE_INTEGER as Nanos;

function whole(value: number, unit: string): Nanos {
  const n = Math.round(value);
  if (!Number.isFinite(value) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`time must be a finite, non-negative number of ${unit}, got ${value}`);
  }
  return n as Nanos;
}

/** `n` nanoseconds. */
export const ns = (n: number): Nanos => whole(n, "ns");
/** `n` microseconds, in nanoseconds. */
export const us = (n: number): Nanos => whole(n * 1e3, "µs");
/** `n` milliseconds, in nanoseconds. */
export const ms = (n: number): Nanos => whole(n * 1e6, "ms");
/** `n` seconds, in nanoseconds. */
export const s = (n: number): Nanos => whole(n * 1e9, "s");

/** Adds two durations (or a time and a duration). */
export const addTime = (a: Nanos, b: Nanos): Nanos => (a + b) as Nanos;

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const DURATION = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;

/**
 * Parses a Go-style duration such as `"250ms"`, `"30s"`, `"2m"` or `"1m30s"`
 * (the form Kubernetes and kube-proxy configuration use). A bare number is
 * rejected: a unit is always required, so `"30"` cannot silently mean 30 ns.
 */
export function parseDuration(text: string): Nanos {
  const input = text.trim();
  if (input === "0") return 0 as Nanos;
  let rest = input;
  let total = 0;
  if (rest.length === 0) throw new SyntaxError(`expected a duration such as "250ms", "30s" or "2m", got ""`);
  while (rest.length > 0) {
    const m = DURATION.exec(rest);
    if (!m) {
      throw new SyntaxError(`expected a duration such as "250ms", "30s" or "2m", got "${text}"`);
    }
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return whole(total, "ns");
}

/** Formats a duration for humans with the largest unit that keeps it exact, e.g. `1.5s`, `250ms`. */
export function formatDuration(t: Nanos | number): string {
  if (t === 0) return "0s";
  for (const [unit, size] of [
    ["h", 3600e9],
    ["m", 60e9],
    ["s", 1e9],
    ["ms", 1e6],
    ["us", 1e3],
  ] as const) {
    if (t >= size && (t % size === 0 || unit === "s" || unit === "ms" || unit === "us")) {
      if (t % size === 0) return `${t / size}${unit}`;
      if (unit === "h" || unit === "m") continue;
      return `${Number((t / size).toFixed(6))}${unit}`;
    }
  }
  return `${t}ns`;
}

/** Formats a simulated timestamp as seconds with nanosecond precision, e.g. `12.000250000`: fixed width, sortable, exact. */
export function formatTimestamp(t: Nanos | number): string {
  const sec = Math.floor(t / 1e9);
  const frac = t - sec * 1e9;
  return `${sec}.${String(frac).padStart(9, "0")}`;
}
