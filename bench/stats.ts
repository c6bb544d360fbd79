import { cpus } from "node:os";

/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What the numbers were measured on, stored beside them. */
export function machineInfo(): { node: string; cpu: string; cores: number; platform: string; date: string } {
  const cpu = cpus();
  return {
    node: process.version,
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

/**
 * A small, fast, seeded PRNG (mulberry32) for generating benchmark inputs up
 * front; bench code does not need the engine's named streams.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Formats a rate as `4.81 M/s` for tables. */
export function formatRate(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(2)} M/s`;
}
