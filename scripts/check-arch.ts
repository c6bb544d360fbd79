/**
 * Architecture and determinism checks for packages/core/src, run by `pnpm test`:
 *
 * 1. Layers import only downwards (DESIGN.md "Layout"): a folder may import a
 *    folder of a lower rank, never a higher or an equal one.
 * 2. One proxy mode never imports another (`proxy/iptables` ↛ `proxy/ipvs`).
 * 3. Across folders, imports go through the folder's `index.ts`, its only door.
 * 4. Outside `cli/`, nothing reads the wall clock, global randomness or timers:
 *    simulated time and seeded streams only.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname, "../packages/core/src");

/** Lower ranks are lower layers. Folders of equal rank may not import each other. */
export const RANK: Record<string, number> = {
  engine: 0,
  net: 1,
  trace: 2,
  api: 2,
  netfilter: 3,
  conntrack: 3,
  control: 3,
  proxy: 4,
  node: 5,
  edge: 7,
  workload: 6,
  dns: 7,
  metrics: 7,
  scenario: 8,
  testing: 9,
  cli: 10,
  ".": 11,
};

const FORBIDDEN = [
  { re: /\bMath\.random\b/, why: "use a seeded stream: rng.stream(path)" },
  { re: /\bDate\.now\b|\bnew Date\(/, why: "use the scheduler's simulated clock" },
  { re: /\bperformance\.now\b|\bprocess\.hrtime\b/, why: "use the scheduler's simulated clock" },
  { re: /\b(setTimeout|setInterval|setImmediate)\s*\(/, why: "schedule on the engine's Scheduler" },
  { re: /\bcrypto\.randomUUID\b|\bgetRandomValues\b/, why: "use a seeded stream" },
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function topFolder(file: string): string {
  const rel = relative(ROOT, file).split(sep);
  return rel.length === 1 ? "." : (rel[0] as string);
}

function proxyMode(file: string): string | undefined {
  const rel = relative(ROOT, file).split(sep);
  return rel[0] === "proxy" && rel.length > 2 ? rel[1] : undefined;
}

const IMPORT = /^\s*(?:import|export)\b[^'"]*?\bfrom\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm;

export function check(): string[] {
  const problems: string[] = [];
  for (const file of files(ROOT)) {
    const text = readFileSync(file, "utf8");
    const rel = relative(ROOT, file);
    const from = topFolder(file);
    if (!(from in RANK)) problems.push(`${rel}: folder "${from}" has no layer rank in scripts/check-arch.ts`);
    if (from !== "cli") {
      text.split("\n").forEach((line, i) => {
        if (/wall-clock ok/.test(line) || /^\s*(\/\/|\*)/.test(line)) return;
        for (const { re, why } of FORBIDDEN) {
          if (re.test(line)) problems.push(`${rel}:${i + 1}: ${line.trim()} — ${why}`);
        }
      });
    }
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2]) as string;
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(ROOT)) continue;
      const to = topFolder(target);
      if (to !== from) {
        if ((RANK[to] ?? 99) >= (RANK[from] ?? -1)) {
          problems.push(`${rel}: imports ${spec}: layer "${from}" may not import "${to}" (same or higher layer)`);
        }
        const door = relative(ROOT, target).split(sep);
        if (door.length !== 2 || door[1] !== "index.ts") {
          problems.push(`${rel}: imports ${spec}: import another folder through its index.ts`);
        }
      }
      const a = proxyMode(file);
      const b = proxyMode(target);
      // The proxy folder's door (proxy/index.ts) may re-export each mode's own door.
      const doorReexport =
        rel === join("proxy", "index.ts") &&
        relative(ROOT, target).split(sep).length === 3 &&
        target.endsWith(`${sep}index.ts`);
      if (b !== undefined && a !== b && !doorReexport) {
        problems.push(`${rel}: imports ${spec}: proxy mode code is private to its mode folder`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = check();
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`check-arch: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log("check-arch: layers, proxy-mode isolation and determinism OK");
}
