import { formatDuration } from "../engine/index.ts";
import type { RunResult } from "../scenario/index.ts";

const ms = (n: number) => `${(n / 1e6).toFixed(3)}ms`;

/** The human summary of a run: packets, drops by reason, requests, per-Pod counts, expectations. */
export function formatSummary(result: RunResult): string {
  const { metrics: m } = result;
  const lines: string[] = [];
  const nodes = result.cluster.network.nodes();
  lines.push(
    `scenario  ${result.scenario} — seed ${result.seed}, ${formatDuration(result.durationNs)} simulated, ${nodes.length} nodes, ${nodes[0]?.proxy.mode ?? "no"} proxy`,
  );
  if (result.description) lines.push(`          ${result.description}`);
  lines.push(`packets   sent ${m.packets.sent}, received ${m.packets.received}, dropped ${m.packets.dropped}`);
  const reasons = Object.entries(m.drops).filter(([k]) => k !== "total");
  if (reasons.length > 0) lines.push(`drops     ${reasons.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  const errors = Object.entries(m.requests.errors).map(([k, v]) => `${k} ${v}`);
  lines.push(
    `requests  ${m.requests.total} started, ${m.requests.ok} ok, ${m.requests.failed} failed${errors.length ? ` (${errors.join(", ")})` : ""}`,
  );
  if (m.latencyNs.count > 0) {
    const l = m.latencyNs;
    lines.push(`latency   p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`);
  }
  const pods = Object.entries(m.pods);
  pods.forEach(([name, p], i) => {
    lines.push(
      `${i === 0 ? "pods      " : "          "}${name}: ${p.requests} requests, ${p.packetsIn} packets in, ${p.packetsOut} out`,
    );
  });
  lines.push(`syncs     ${m.syncs}`);
  result.expectations.forEach((e, i) => {
    lines.push(`${i === 0 ? "expect    " : "          "}${e.ok ? "✓" : "✗"} ${e.name} (${e.detail})`);
  });
  const passed = result.expectations.filter((e) => e.ok).length;
  lines.push(`result    ${result.passed ? "PASS" : "FAIL"} (${passed}/${result.expectations.length} expectations)`);
  return lines.join("\n");
}

/** The `--json` form: the summary as one object (no trace, no live state). */
export function summaryJson(result: RunResult): object {
  return {
    scenario: result.scenario,
    seed: result.seed,
    durationNs: result.durationNs,
    passed: result.passed,
    metrics: result.metrics,
    expectations: result.expectations,
  };
}
