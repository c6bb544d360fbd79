import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { InputError, type Nanos, parseDuration } from "../engine/index.ts";
import { prepareScenario, type RunResult, readScenarioFile, runScenario, scenarioDir } from "../scenario/index.ts";
import { flowPacketIds, formatWalk, LEVEL_RANK, type TraceLevel, toJsonl } from "../trace/index.ts";
import { formatSummary, summaryJson } from "./summary.ts";

const HELP = `Usage: svcsim run <scenario.ts|scenario.yaml> [options]

Runs a scenario and prints its summary: packets, drops by reason, requests,
per-Pod counts and the expectations' results. Exits 1 when an expectation fails.

Options:
  --variant NAME        run the file's export NAME instead of its default
                        (a catalogue file's contrast run, e.g. roundRobin)
  --seed N              override the scenario's seed
  --duration D          override the simulated duration (e.g. 30s, 2m)
  --trace FILE          write the trace as JSON Lines to FILE
  --trace-level L       off | flow | packet | rule (default: flow; packet with --walk)
  --json                print the summary as one JSON object
  --walk                also print a short packet walk of the first request`;

/** Lines in a `--walk`: the handshake and the request, enough to follow a flow. */
const WALK_LIMIT = 30;

const LEVELS = Object.keys(LEVEL_RANK) as TraceLevel[];

/** `svcsim run`. */
export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      variant: { type: "string" },
      seed: { type: "string" },
      duration: { type: "string" },
      trace: { type: "string" },
      "trace-level": { type: "string" },
      json: { type: "boolean" },
      walk: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new InputError([`svcsim run: expected one scenario file\n\n${HELP}`]);
  const file = positionals[0] as string;
  const seed = values.seed === undefined ? undefined : parseSeed(values.seed);
  const duration = values.duration === undefined ? undefined : parseFlagDuration(values.duration);
  const level = parseLevel(values["trace-level"], values.walk === true);

  const prepared = prepareScenario(await readScenarioFile(file, values.variant), file, scenarioDir(file));
  const result = runScenario(prepared, { seed, duration, traceLevel: level });
  if (values.trace) writeFileSync(values.trace, toJsonl(result.trace));
  if (values.json) console.log(JSON.stringify(summaryJson(result), null, 2));
  else {
    console.log(formatSummary(result));
    if (values.walk) console.log(`\n${walkOfFirstRequest(result)}`);
  }
  return result.passed ? 0 : 1;
}

function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new InputError([`--seed: expected an integer, got "${text}"`]);
  return n;
}

function parseFlagDuration(text: string): Nanos {
  try {
    return parseDuration(text);
  } catch {
    throw new InputError([`--duration: expected a duration such as "30s" or "2m", got "${text}"`]);
  }
}

function parseLevel(text: string | undefined, walk: boolean): TraceLevel {
  if (text === undefined) return walk ? "packet" : "flow";
  if (!LEVELS.includes(text as TraceLevel)) {
    throw new InputError([`--trace-level: expected one of ${LEVELS.join(", ")}, got "${text}"`]);
  }
  return text as TraceLevel;
}

/** Every hop of every packet of the first request that got an answer (or the first request). */
function walkOfFirstRequest(result: RunResult): string {
  const records = result.workload.records;
  const record = records.find((r) => r.pod !== undefined) ?? records[0];
  if (!record?.local || !record.remote) return "walk: no request was sent";
  const ids = flowPacketIds(result.trace, record.protocol, record.local, record.remote);
  if (ids.length === 0) return "walk: no packet events recorded (use --trace-level packet or rule)";
  const header = `walk of request ${record.id} from ${record.client} (${record.local} → ${record.remote})${record.pod ? `, served by ${record.pod}` : ""}${record.error ? `, failed: ${record.error}` : ""}`;
  return `${header}\n${formatWalk(result.trace, { packetIds: ids, limit: WALK_LIMIT })}`;
}
