/**
 * Text for a failing cluster: the generated cluster, the kube-proxy flags,
 * each disagreeing packet with svcsim's fates (and the rules on their paths)
 * beside the kernel's fate and its evidence, and where the ruleset was saved.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GenCluster } from "./cluster.ts";
import type { ClusterResult, Disagreement } from "./differential.ts";
import { fateKey } from "./predict.ts";

const MAX_SHOWN = 8;

function packetText(d: Disagreement): string {
  const p = d.probe;
  const from = p.fromNode ? "sent by the node" : "arriving from another host";
  return `${p.proto} ${p.src}:${p.sport} > ${p.dst}:${p.dport} (${from})`;
}

function disagreementText(d: Disagreement, i: number): string {
  const lines = [`#${i + 1} ${d.what}: ${d.reason}`, `   packet: ${packetText(d)}`];
  for (const f of d.predicted) {
    lines.push(`   svcsim: ${fateKey(f)} (p=${f.probability.toFixed(4)}) via`);
    for (const r of f.path) lines.push(`      ${r.ruleText}`);
  }
  for (const o of d.observed) {
    const code = o.code ? ` (${o.code})` : "";
    lines.push(`   kernel: ${fateKey(o)}; sender saw ${o.sender}${code}; conntrack: ${o.entry ?? "no entry"}`);
  }
  return lines.join("\n");
}

/** The failure text for one cluster; the ruleset is written to a temporary file named in it. */
export function clusterReport(g: GenCluster, r: ClusterResult): string {
  const file = join(tmpdir(), `svcsim-kernel-${process.pid}-${Date.now()}.rules`);
  writeFileSync(file, r.save);
  const shown = r.disagreements.slice(0, MAX_SHOWN).map(disagreementText);
  const more = r.disagreements.length > MAX_SHOWN ? [`… and ${r.disagreements.length - MAX_SHOWN} more`] : [];
  return [
    `svcsim and the kernel disagree on ${r.disagreements.length} packet(s) of this cluster:`,
    JSON.stringify(g, null, 1).replace(/\n\s*/g, " "),
    `iptables-save loaded into the node namespace: ${file}`,
    ...shown,
    ...more,
  ].join("\n");
}
