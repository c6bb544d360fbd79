/**
 * kube-proxy iptables mode at 100 → 30,000 Services × 10 endpoints: the
 * rules the kernel evaluates per packet (reported by the simulator, exact),
 * the simulator's own wall time per packet (indexed vs linear evaluator), and
 * the time and memory to program the node. Each size runs in its own child
 * process (with --expose-gc) so that its memory figures are its own.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { type IptablesSizeResult, type MeasureOptions, measureSize } from "./iptables-measure.ts";

/** How the benchmark is sized. */
export interface IptablesBenchOptions extends MeasureOptions {
  sizes: readonly number[];
  /** The size whose programming cost is checked against the goal. */
  programSize: number;
  /** Run every size in this process instead of a child each (tests). */
  inProcess?: boolean;
}

export const DEFAULT_IPTABLES_OPTIONS: IptablesBenchOptions = {
  sizes: [100, 1_000, 5_000, 10_000, 30_000],
  endpoints: 10,
  rounds: 7,
  packets: 20_000,
  linearBudget: 4_000_000,
  programSize: 10_000,
};

/** The whole run: every size, and the ratios the goals are stated in. */
export interface IptablesBenchResults {
  sizes: IptablesSizeResult[];
  /** Indexed wall time per packet at the largest size over the smallest (goal ≤ 1.25). */
  wallRatioLargestOverSmallest: number;
  /** The same ratio with every packet to one Service (cache-warm). */
  warmRatioLargestOverSmallest: number;
  /** Linear over indexed wall time per packet at the largest size. */
  linearOverIndexedAtLargest: number;
  /** Programming cost at `programSize` (goal: < 3 s, < 1.5 GB). */
  program: { services: number; totalMs: number; peakRssMB: number; retainedHeapMB?: number };
}

function runChild(services: number, options: MeasureOptions): IptablesSizeResult {
  const child = join(import.meta.dirname, "iptables-child.ts");
  const args = [...process.execArgv, "--expose-gc", "--max-old-space-size=8192", child, String(services)];
  const out = spawnSync(process.execPath, [...args, JSON.stringify(options)], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (out.status !== 0) throw new Error(`iptables bench: the child for ${services} Services exited ${out.status}`);
  const last = out.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as IptablesSizeResult;
}

/** Runs every size, smallest first. */
export function runIptablesBench(
  options: IptablesBenchOptions = DEFAULT_IPTABLES_OPTIONS,
  log: (line: string) => void = () => {},
): IptablesBenchResults {
  const sizes: IptablesSizeResult[] = [];
  for (const n of options.sizes) {
    const r = options.inProcess ? measureSize(n, options) : runChild(n, options);
    sizes.push(r);
    log(
      `  ${String(n).padStart(6)} Services: programmed in ${r.program.totalMs} ms (peak RSS ${r.program.peakRssMB} MB); ` +
        `new connection ${r.newConnection.natPrerouting.mean} nat rules (mean); ` +
        `${r.indexed.medianUs} µs/packet indexed, ${r.linear.medianUs} µs linear`,
    );
  }
  const first = sizes[0] as IptablesSizeResult;
  const last = sizes.at(-1) as IptablesSizeResult;
  const prog = sizes.find((r) => r.services === options.programSize) ?? last;
  return {
    sizes,
    wallRatioLargestOverSmallest: Number((last.indexed.medianUs / first.indexed.medianUs).toFixed(3)),
    warmRatioLargestOverSmallest: Number((last.warm.medianUs / first.warm.medianUs).toFixed(3)),
    linearOverIndexedAtLargest: Number((last.linear.medianUs / last.indexed.medianUs).toFixed(1)),
    program: {
      services: prog.services,
      totalMs: prog.program.totalMs,
      peakRssMB: prog.program.peakRssMB,
      ...(prog.program.retainedHeapMB !== undefined ? { retainedHeapMB: prog.program.retainedHeapMB } : {}),
    },
  };
}

function align(head: readonly string[], rows: readonly string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The results as aligned text tables, then the goal lines. */
export function iptablesTable(res: IptablesBenchResults): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const rules = align(
    ["Services", "rules nat/filter", "new conn: nat PREROUTING mean (min–max)", "all hooks mean", "established"],
    res.sizes.map((r) => {
      const p = r.newConnection.natPrerouting;
      return [
        n(r.services),
        `${n(r.rules.nat)}/${n(r.rules.filter)}`,
        `${n(p.mean)} (${n(p.min)}–${n(p.max)})`,
        n(r.newConnection.allHooks.mean),
        `${r.established.nat} nat + ${r.established.filter} filter`,
      ];
    }),
  );
  const time = align(
    [
      "Services",
      "indexed µs/pkt",
      "warm µs/pkt",
      "linear µs/pkt",
      "linear/indexed",
      "program ms (sync+load+compile)",
      "peak RSS MB",
    ],
    res.sizes.map((r) => [
      n(r.services),
      r.indexed.medianUs.toFixed(2),
      r.warm.medianUs.toFixed(2),
      r.linear.medianUs.toFixed(2),
      `${(r.linear.medianUs / r.indexed.medianUs).toFixed(1)}×`,
      `${n(r.program.totalMs)} (${r.program.syncMs}+${r.program.loadMs}+${r.program.compileMs})`,
      n(r.program.peakRssMB),
    ]),
  );
  const first = res.sizes[0] as IptablesSizeResult;
  const last = res.sizes.at(-1) as IptablesSizeResult;
  const p = res.program;
  const goals = [
    `wall time per packet, ${n(last.services)} vs ${n(first.services)} Services: ${res.wallRatioLargestOverSmallest.toFixed(2)}× (goal ≤ 1.25×)`,
    `the same, cache-warm (every packet to one Service): ${res.warmRatioLargestOverSmallest.toFixed(2)}×`,
    `linear/indexed at ${n(last.services)} Services: ${res.linearOverIndexedAtLargest}×`,
    `program ${n(p.services)} Services × ${first.endpointsPerService} endpoints: ${n(p.totalMs)} ms, peak RSS ${n(p.peakRssMB)} MB` +
      `${p.retainedHeapMB !== undefined ? `, retained heap ${n(p.retainedHeapMB)} MB` : ""} (goal < 3,000 ms, < 1,536 MB)`,
  ];
  return [rules, "", time, "", ...goals].join("\n");
}
