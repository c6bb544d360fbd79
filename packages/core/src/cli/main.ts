/**
 * The `svcsim` command line. Each subcommand lives in its own file; this one
 * only dispatches and turns errors into one clear message and an exit code:
 * 0 success, 1 an expectation failed (or validation found problems), 2 bad input.
 */
import { InputError, SimInvariantError } from "../engine/index.ts";
import { explainCommand } from "./explain.ts";
import { inspectCommand } from "./inspect.ts";
import { runCommand } from "./run.ts";
import { validateCommand } from "./validate.ts";

const USAGE = `svcsim — simulate the Kubernetes Service packet path, event by event

Usage:
  svcsim run <scenario.ts|scenario.yaml> [--variant NAME] [--seed N] [--duration D] [--trace out.jsonl]
             [--trace-level off|flow|packet|rule] [--json] [--walk]
  svcsim validate <manifest.yaml…>
  svcsim explain (--manifests <yaml…> | --iptables-save <file>) (--from <ip> --to <ip>:<port>/<proto> | --flows <file.json>)
                 [node flags] [--json]
  svcsim inspect iptables-save (--manifests <yaml…> [node flags] | --scenario <file> --node <name> --at <t>)
  svcsim inspect conntrack --scenario <file> --node <name> --at <t>
  svcsim help

Run 'svcsim <command> --help' for a command's options.`;

/** A command's outcome: its exit code. */
export type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  validate: validateCommand,
  explain: explainCommand,
  inspect: inspectCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`svcsim: unknown command "${name}" (expected one of: ${Object.keys(COMMANDS).join(", ")})`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (error) {
    if (error instanceof InputError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof SimInvariantError) {
      console.error(
        `svcsim: simulation invariant broken — this is a bug in svcsim, please report it:\n  ${error.message}`,
      );
      return 3;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
