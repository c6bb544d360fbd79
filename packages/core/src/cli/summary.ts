import { formatDuration } from "../engine/index.ts";
import { formatSources, type LatencySummary, type RunMetrics } from "../metrics/index.ts";
import type { RunResult } from "../scenario/index.ts";

const ms = (n: number) => `${(n / 1e6).toFixed(3)}ms`;
const pct = (l: LatencySummary) => `p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`;
const bytes = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;
const counts = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v}`);

/** Lines under one label: the label on the first, aligned padding on the rest. */
function block(label: string, lines: string[]): string[] {
  return lines.map((line, i) => `${(i === 0 ? label : "").padEnd(10)}${line}`);
}

/** The human summary of a run: packets, drops, requests, latency, Pods, clients, conntrack, DNS, expectations. */
export function formatSummary(result: RunResult): string {
  const { metrics: m } = result;
  const lines: string[] = [];
  const nodes = result.cluster.network.nodes();
  lines.push(
    `scenario  ${result.scenario} — seed ${result.seed}, ${formatDuration(result.durationNs)} simulated, ${nodes.length} nodes, ${nodes[0]?.proxy.mode ?? "no"} proxy`,
  );
  if (result.description) lines.push(`          ${result.description}`);
  lines.push(`packets   sent ${m.packets.sent}, received ${m.packets.received}, dropped ${m.packets.dropped}`);
  const reasons = Object.entries(m.drops).filter(([k, v]) => k !== "total" && v > 0);
  if (reasons.length > 0) lines.push(`drops     ${reasons.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  const errors = counts(m.requests.errors);
  lines.push(
    `requests  ${m.requests.total} started, ${m.requests.ok} ok, ${m.requests.failed} failed${errors.length ? ` (${errors.join(", ")})` : ""}`,
  );
  if (m.latencyNs.count > 0) lines.push(`latency   ${pct(m.latencyNs)}`);
  lines.push(...block("pods", podLines(m)));
  lines.push(...block("clients", clientLines(m)));
  lines.push(`syncs     ${m.syncs}`);
  lines.push(...block("conntrack", conntrackLines(m)));
  lines.push(...block("dns", dnsLines(m)));
  lines.push(...block("lb", loadBalancerLines(m)));
  result.expectations.forEach((e, i) => {
    lines.push(`${i === 0 ? "expect    " : "          "}${e.ok ? "✓" : "✗"} ${e.name} (${e.detail})`);
  });
  const passed = result.expectations.filter((e) => e.ok).length;
  lines.push(`result    ${result.passed ? "PASS" : "FAIL"} (${passed}/${result.expectations.length} expectations)`);
  return lines.join("\n");
}

/** `1 connection`, `2 connections`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function podLines(m: RunMetrics): string[] {
  return Object.entries(m.pods).map(([name, p]) => {
    const conns = p.connections > 0 ? `, ${plural(p.connections, "connection")}` : "";
    const latency = p.latencyNs.count > 0 ? `, p50 ${ms(p.latencyNs.p50)} p99 ${ms(p.latencyNs.p99)}` : "";
    // The client addresses the application saw (the PROXY header's with proxyProtocol, else the peer's).
    const sources = p.sources && Object.keys(p.sources).length > 0 ? `; sources ${formatSources(p.sources)}` : "";
    return `${name}: ${p.requests} requests${conns}, ${p.packetsIn} packets in, ${p.packetsOut} out (${bytes(p.bytesIn)} in, ${bytes(p.bytesOut)} out)${latency}${sources}`;
  });
}

function clientLines(m: RunMetrics): string[] {
  return Object.entries(m.clients).map(([name, c]) => {
    const errs = counts(c.errors);
    const failed = c.failed > 0 ? `, ${c.failed} failed (${errs.join(", ")})` : "";
    const reused = c.reused > 0 ? `, ${c.reused} on reused connections` : "";
    return `${name}: ${c.requests} requests, ${c.ok} ok${failed}, ${plural(c.connections, "connection")}${reused}`;
  });
}

function loadBalancerLines(m: RunMetrics): string[] {
  return Object.entries(m.loadBalancers ?? {}).flatMap(([service, lb]) => {
    const perTarget = counts(lb.perTarget).join(", ") || "none";
    const dropped = Object.entries(lb.dropped).filter(([, n]) => n > 0);
    const targets = Object.entries(lb.targets).map(([key, t]) => `${key} ${t.state}`);
    return [
      `${service} ${lb.vip}: ${lb.flows} flows (${perTarget})${lb.failOpenFlows ? `, ${lb.failOpenFlows} fail-open` : ""}` +
        `${lb.resets ? `, ${lb.resets} reset` : ""}${dropped.length ? `, dropped ${dropped.map(([k, n]) => `${k} ${n}`).join(", ")}` : ""}`,
      `  targets ${targets.join(", ")}; ${lb.healthTransitions} health transitions`,
    ];
  });
}

function conntrackLines(m: RunMetrics): string[] {
  if (!m.conntrack) return [];
  return Object.entries(m.conntrack.nodes).map(
    ([node, s]) => `${node}: ${s.last} entries at the end, max ${s.max}; UDP max ${Math.max(0, ...s.udp)}`,
  );
}

function dnsLines(m: RunMetrics): string[] {
  const d = m.dns;
  if (!d) return [];
  const errs = counts(d.errors);
  const lines = [
    `${d.lookups} lookups, ${d.ok} ok, ${d.failed} failed${errs.length ? ` (${errs.join(", ")})` : ""}, ${d.cached} cached; ${d.queries} queries (${d.queriesPerLookup.toFixed(2)} per lookup)`,
  ];
  if (d.latencyNs.count > 0) lines.push(`lookup ${pct(d.latencyNs)}`);
  for (const [pod, s] of Object.entries(d.servers)) {
    const terminating = s.queriesTerminating > 0 ? ` (${s.queriesTerminating} while terminating)` : "";
    lines.push(`${pod}: ${s.queries} queries${terminating}`);
  }
  return lines;
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
