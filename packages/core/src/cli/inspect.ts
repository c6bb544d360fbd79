/**
 * `svcsim inspect iptables-save`: a node's tables as `iptables-save` prints
 * them, from manifests (programmed as kube-proxy would) or from a scenario
 * at a simulated time.
 */
import { parseArgs } from "node:util";
import { conntrackSummary, formatConntrackList } from "../conntrack/index.ts";
import { InputError, type Nanos, parseDuration } from "../engine/index.ts";
import { programFromManifests } from "./manifest-rules.ts";
import { NODE_BOOL_FLAGS, NODE_FLAG_OPTIONS, NODE_FLAGS_HELP, parseNodeFlags, takeBoolFlags } from "./node-flags.ts";
import { inspectScenarioNode } from "./scenario-state.ts";

const USAGE = `Usage:
  svcsim inspect iptables-save --manifests <yaml…> [node settings]
  svcsim inspect iptables-save --scenario <file> --node <name> --at <time>
  svcsim inspect conntrack --scenario <file> --node <name> --at <time>

iptables-save: a node's iptables tables as iptables-save prints them.
conntrack: a node's connection tracking table as conntrack -L prints it.

${NODE_FLAGS_HELP}`;

/** The tables of node `node` in scenario `file` at simulated time `at`. */
async function scenarioTables(file: string, node: string, at: Nanos): Promise<string> {
  const inspected = await inspectScenarioNode(file, node, at);
  if (!inspected.iptables) {
    throw new InputError([
      `--scenario ${file}: node "${node}" does not run kube-proxy in iptables mode (cluster.proxy.mode)`,
    ]);
  }
  return inspected.iptables.iptablesSave();
}

/** The node's conntrack table at `at`, as `conntrack -L` prints it (the summary line goes to stderr, as the real tool does). */
async function scenarioConntrack(file: string, node: string, at: Nanos): Promise<string> {
  const inspected = await inspectScenarioNode(file, node, at);
  if (!inspected.iptables) {
    throw new InputError([`--scenario ${file}: node "${node}" has no conntrack table (proxy mode passthrough)`]);
  }
  const entries = inspected.iptables.conntrack.list();
  console.error(conntrackSummary(entries.length));
  return formatConntrackList(entries, inspected.now);
}

function parse(args: string[]) {
  const { rest, bools } = takeBoolFlags(args, NODE_BOOL_FLAGS);
  try {
    return {
      bools,
      ...parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          ...NODE_FLAG_OPTIONS,
          manifests: { type: "string", multiple: true },
          scenario: { type: "string" },
          node: { type: "string" },
          at: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      }),
    };
  } catch (error) {
    throw new InputError([`svcsim inspect: ${(error as Error).message}`]);
  }
}

function atTime(text: string | undefined): Nanos {
  if (text === undefined) throw new InputError(["--at: missing (expected a simulated time such as 30s or 1m30s)"]);
  try {
    return parseDuration(text);
  } catch (error) {
    throw new InputError([`--at: ${(error as Error).message}`]);
  }
}

/** `svcsim inspect <view> …`: `iptables-save` or `conntrack`. Exit 0, or 2 on bad input. */
export async function inspectCommand(args: string[]): Promise<number> {
  const { values, positionals, bools } = parse(args);
  const [view, ...extra] = positionals;
  if (values.help || view === undefined) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (view === "conntrack") {
    if (values.scenario === undefined || values.node === undefined)
      throw new InputError(["svcsim inspect conntrack: expected --scenario <file> --node <name> --at <time>"]);
    process.stdout.write(await scenarioConntrack(values.scenario, values.node, atTime(values.at)));
    return 0;
  }
  if (view !== "iptables-save")
    throw new InputError([`svcsim inspect: unknown view "${view}" (expected: iptables-save, conntrack)`]);
  const manifests = [...(values.manifests ?? [])];
  if (extra.length > 0) {
    if (manifests.length === 0) throw new InputError([`svcsim inspect: unexpected argument "${extra[0]}"`]);
    manifests.push(...extra);
  }
  if (manifests.length > 0 === (values.scenario !== undefined))
    throw new InputError(["svcsim inspect: give exactly one of --manifests <yaml…> or --scenario <file>"]);
  if (values.scenario !== undefined) {
    if (values.node === undefined)
      throw new InputError(["--node: missing (expected the name of a node of the scenario)"]);
    process.stdout.write(await scenarioTables(values.scenario, values.node, atTime(values.at)));
    return 0;
  }
  const programmed = programFromManifests(manifests, parseNodeFlags(values, bools));
  for (const w of programmed.warnings) console.error(`warning: ${w}`);
  process.stdout.write(programmed.programmer.iptablesSave());
  return 0;
}
