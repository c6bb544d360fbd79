import {
  type Chain,
  type TableName as NetfilterTable,
  newRuleset,
  parseRule,
  type Rule,
  type Ruleset,
} from "../../netfilter/index.ts";
import { BUILTIN_CHAINS, type IptablesTables, type TableName } from "./tables.ts";

/** A chain as last loaded: the stamp and lines it was loaded from, and the result. */
interface LoadedChain {
  readonly stamp: number;
  readonly lines: readonly string[];
  readonly chain: Chain;
}

/**
 * Loads the node's tables into the netfilter rule model, as the kernel holds
 * them after kube-proxy's iptables-restore: the same chains, in the same
 * order, with the same rules as `parseIptablesSave(iptablesSave(tables))`
 * gives (that is what it replaces), without writing and re-reading the text.
 *
 * It remembers what it loaded, chain by chain. A chain the last sync did not
 * touch (same stamp) is the same Chain object as before, its rules and their
 * counters included, as the kernel keeps a chain that iptables-restore
 * `--noflush` input does not mention. A rewritten chain gets fresh rules
 * with zero counters, but a line identical to the one at the same position
 * last time is not parsed again: kube-proxy rewrites its shared chains in
 * every sync and every chain in a full sync, mostly with the same lines.
 */
export class IptablesLoader {
  private last = new Map<TableName, Map<string, LoadedChain>>();

  /**
   * The tables as a netfilter ruleset (without the text layout a parsed dump
   * keeps, as nothing prints it back). `where` names the source in errors.
   * @throws InputError on a line the parser refuses (the programmer never writes one).
   */
  load(tables: IptablesTables, which: readonly TableName[], where: string): Ruleset {
    const ruleset = newRuleset();
    for (const name of which) {
      const previous = this.last.get(name);
      const next = new Map<string, LoadedChain>();
      const chains = new Map<string, Chain>();
      const builtins = BUILTIN_CHAINS[name];
      tables.forEachChain(name, (chain, lines, stamp) => {
        const before = previous?.get(chain);
        const loaded =
          before !== undefined && before.stamp === stamp
            ? before
            : {
                stamp,
                lines: lines.slice(),
                chain: loadChain(chain, builtins.includes(chain), lines, name, before, where),
              };
        next.set(chain, loaded);
        chains.set(chain, loaded.chain);
      });
      this.last.set(name, next);
      ruleset.tables.set(name, { name, chains });
    }
    ruleset.finalNewline = true;
    return ruleset;
  }
}

/** A chain loaded from its lines; `before` is the chain of that name last time, whose unchanged lines are reused. */
function loadChain(
  name: string,
  builtin: boolean,
  lines: readonly string[],
  table: NetfilterTable,
  before: LoadedChain | undefined,
  where: string,
): Chain {
  const rules: Rule[] = [];
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k] as string;
    const old =
      before !== undefined && before.lines[k] === line && !hasCounters(line) ? before.chain.rules[k] : undefined;
    rules.push(old ? { ...old, counters: { packets: 0, bytes: 0 } } : parseLine(line, table, where));
  }
  // why: iptables-save lists a built-in chain with its policy (ACCEPT here) and a user chain with "-".
  return builtin
    ? { name, builtin, policy: "ACCEPT", counters: { packets: 0, bytes: 0 }, rules, policyText: "ACCEPT" }
    : { name, builtin, counters: { packets: 0, bytes: 0 }, rules, policyText: "-" };
}

/** A line that sets its own counters (`-c`) is parsed again: its rule starts from them, not from zero. */
function hasCounters(line: string): boolean {
  return line.includes(" -c ") || line.includes("--set-counters");
}

function parseLine(line: string, table: NetfilterTable, where: string): Rule {
  // why: iptables-save prints each rule on its own line and the dump parser trims it.
  const { rule } = parseRule(line.trim(), table, where);
  return rule;
}
