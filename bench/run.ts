/**
 * Runs the benchmarks: `tsx bench/run.ts` runs all, `tsx bench/run.ts engine`
 * only those whose name contains "engine". Each writes bench/results/<name>.json
 * and prints a table.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { engineTable, runEngineBench } from "./engine.ts";
import { iptablesTable, runIptablesBench } from "./iptables.ts";
import { machineInfo } from "./stats.ts";
import { runWorkloadBench, workloadTable } from "./workload.ts";

interface Bench {
  name: string;
  about: string;
  run: (log: (line: string) => void) => { results: unknown; table: string };
}

const BENCHES: readonly Bench[] = [
  {
    name: "engine",
    about: "Scheduler events/s in a hold model at 100 → 1,000,000 pending, vs a bare float64 heap",
    run: (log) => {
      const results = runEngineBench(undefined, log);
      return { results, table: engineTable(results) };
    },
  },
  {
    name: "iptables",
    about:
      "kube-proxy iptables mode at 100 → 30,000 Services × 10 endpoints: rules evaluated per packet, simulator µs per packet (indexed vs linear), cost to program",
    run: (log) => {
      const results = runIptablesBench(undefined, log);
      return { results, table: iptablesTable(results) };
    },
  },
  {
    name: "workload",
    about:
      "End to end: 3 nodes (iptables), 9 server Pods + 1 client, HTTP/1.1 (Go Transport) at 1,000 requests/s for 60 simulated s: wall time, packets/s, events/s",
    run: (log) => {
      const results = runWorkloadBench(undefined, log);
      return { results, table: workloadTable(results) };
    },
  },
];

const RESULTS = join(import.meta.dirname, "results");

function main(argv: readonly string[]): number {
  const filters = argv.filter((a) => !a.startsWith("-"));
  const chosen = BENCHES.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
  if (chosen.length === 0) {
    console.error(`no benchmark matches ${filters.join(", ")}; known: ${BENCHES.map((b) => b.name).join(", ")}`);
    return 2;
  }
  mkdirSync(RESULTS, { recursive: true });
  for (const bench of chosen) {
    console.log(`# ${bench.name}: ${bench.about}`);
    const started = performance.now();
    const { results, table } = bench.run((line) => console.log(line));
    const wallSeconds = Number(((performance.now() - started) / 1e3).toFixed(1));
    const file = join(RESULTS, `${bench.name}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ bench: bench.name, machine: machineInfo(), wallSeconds, results }, null, 2)}\n`,
    );
    console.log(`\n${table}\n\n${bench.name}: ${wallSeconds}s wall, results in ${file}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
