/**
 * `svcsim inspect iptables-save`: a node's tables as `iptables-save` prints
 * them, from manifests (programmed as kube-proxy would) or from a scenario
 * at a simulated time.
 */
import { parseArgs } from "node:util";
import { InputError, type Nanos, parseDuration } from "../engine/index.ts";
import { programFromManifests } from "./manifest-rules.ts";
import { NODE_BOOL_FLAGS, NODE_FLAG_OPTIONS, NODE_FLAGS_HELP, parseNodeFlags, takeBoolFlags } from "./node-flags.ts";

const USAGE = `Usage:
  svcsim inspect iptables-save --manifests <yaml…> [node settings]
  svcsim inspect iptables-save --scenario <file> --node <name> --at <time>

Prints a node's iptables tables as iptables-save would.

${NODE_FLAGS_HELP}`;

/**
 * The tables of node `node` in scenario `file` at simulated time `at`.
 *
 * TODO(lead): wire to the scenario runner — `runScenarioUntil(file, at)` →
 * `{ nodes: Map<name, { iptablesSave(): string }> }` — and report an unknown
 * node as `--node: no node "x" in <file> (nodes: a, b)`.
 */
async function scenarioTables(file: string, node: string, at: Nanos): Promise<string> {
  void node;
  void at;
  throw new InputError([`--scenario ${file}: inspecting a scenario is not supported yet (use --manifests)`]);
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

/** `svcsim inspect <view> …`: today the one view is `iptables-save`. Exit 0, or 2 on bad input. */
export async function inspectCommand(args: string[]): Promise<number> {
  const { values, positionals, bools } = parse(args);
  const [view, ...extra] = positionals;
  if (values.help || view === undefined) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (view !== "iptables-save")
    throw new InputError([`svcsim inspect: unknown view "${view}" (expected: iptables-save)`]);
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
