import type { RunMetrics } from "../metrics/index.ts";
import type { Expectation } from "./schema.ts";

/** One expectation's outcome. */
export interface ExpectationResult {
  name: string;
  ok: boolean;
  /** What was compared, e.g. `requests.failed == 0, got 0`, or what a check said. */
  detail: string;
}

/** Reads a dotted path (`pods.web-1.requests`) from the metrics. */
export function metricAt(metrics: RunMetrics, path: string): number | undefined {
  let value: unknown = metrics;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "number" ? value : undefined;
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

/** Checks every expectation against a finished run; `traceOff` says the run recorded no trace. */
export function checkExpectations(
  expectations: readonly Expectation[],
  metrics: RunMetrics,
  result: unknown,
  traceOff = false,
): ExpectationResult[] {
  return expectations.map((e) => {
    if ("check" in e) {
      let verdict: boolean | string;
      try {
        verdict = e.check(result);
      } catch (error) {
        verdict = `the check threw: ${(error as Error).message}`;
      }
      if (verdict === true) return { name: e.name, ok: true, detail: "ok" };
      // why: a check may read the trace; with the trace off it sees none, and should say so.
      const hint = traceOff ? " (the trace was off: a check that reads it sees no events)" : "";
      return { name: e.name, ok: false, detail: `${verdict || "returned false"}${hint}` };
    }
    const name = e.name ?? `${e.metric} ${e.op} ${e.value}`;
    const actual = metricAt(metrics, e.metric);
    if (actual === undefined) return { name, ok: false, detail: `metric ${e.metric} does not exist in this run` };
    const ok = (COMPARE[e.op] as (a: number, b: number) => boolean)(actual, e.value);
    return { name, ok, detail: `${e.metric} ${e.op} ${e.value}, got ${actual}` };
  });
}
