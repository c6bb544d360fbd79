/** The tables kube-proxy's iptables mode touches. */
export type TableName = "filter" | "nat" | "mangle";

/** Built-in chains per table, in the order iptables-save lists them. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
};

/** The chain of a rule line: its second word (`-A CHAIN …`), "" when it has none. */
function chainOf(rule: string): string {
  const a = rule.indexOf(" ");
  if (a < 0) return "";
  const b = rule.indexOf(" ", a + 1);
  return b < 0 ? rule.slice(a + 1) : rule.slice(a + 1, b);
}

/** True when `-A line` names `chain` (`chainOf(line) === chain`), without cutting the name out. */
function isRuleOf(line: string, chain: string): boolean {
  const end = 3 + chain.length;
  return line.startsWith(chain, 3) && (line.length === end || line.charCodeAt(end) === 32);
}

/** One chain: its rule lines, and a stamp that changes whenever they do. */
interface ChainState {
  rules: string[];
  stamp: number;
}

/**
 * The node's iptables state as kube-proxy leaves it: chains and rule lines
 * (each `-A CHAIN …`, as written) per table. Changed only the ways kube-proxy
 * changes it — `iptables-restore --noflush` input and `iptables -I` of jump
 * rules — so a partial sync leaves unchanged service chains in place, exactly
 * as in the kernel.
 *
 * Every chain carries a stamp that changes whenever its lines change (a
 * flush, an append, a prepend), so a reader can tell an untouched chain from
 * a rewritten one without comparing lines.
 */
export class IptablesTables {
  private readonly tables = new Map<TableName, Map<string, ChainState>>();
  /** User chain names per table, sorted; dropped when a chain is created or deleted. */
  private readonly sortedUser = new Map<TableName, readonly string[]>();
  private nextStamp = 1;

  constructor() {
    for (const t of Object.keys(BUILTIN_CHAINS) as TableName[]) {
      this.tables.set(t, new Map(BUILTIN_CHAINS[t].map((c) => [c, this.newChain()])));
    }
  }

  private newChain(): ChainState {
    return { rules: [], stamp: this.nextStamp++ };
  }

  private table(name: TableName): Map<string, ChainState> {
    return this.tables.get(name)!;
  }

  /** `iptables -N` unless the chain exists (utiliptables EnsureChain). */
  ensureChain(table: TableName, chain: string): void {
    const t = this.table(table);
    if (t.has(chain)) return;
    t.set(chain, this.newChain());
    this.sortedUser.delete(table);
  }

  /** `iptables -I chain 1 …` unless the identical rule exists (utiliptables EnsureRule with Prepend). */
  ensureRulePrepended(table: TableName, rule: string): void {
    const chain = this.table(table).get(chainOf(rule));
    if (!chain) throw new Error(`iptables: no chain ${chainOf(rule)} in ${table}`);
    if (chain.rules.includes(rule)) return;
    chain.rules.unshift(rule);
    chain.stamp = this.nextStamp++;
  }

  /**
   * Applies `iptables-restore --noflush` input: a `:CHAIN` line creates or
   * flushes the chain, `-A` appends, `-X` deletes; chains the input does not
   * mention are left alone. Throws on input iptables-restore would refuse.
   */
  restore(input: string): void {
    this.restoreLines([input.split("\n")]);
  }

  /** {@link restore} for input already split into lines, given as consecutive runs of lines. */
  restoreLines(runs: readonly (readonly string[])[]): void {
    let name: TableName | undefined;
    let current: Map<string, ChainState> | undefined;
    // The chain the last -A line went to: kube-proxy writes a chain's rules together.
    let lastName = "";
    let last: ChainState | undefined;
    for (const lines of runs) {
      for (const line of lines) {
        if (line === "" || line === "COMMIT") continue;
        if (line.startsWith("*")) {
          name = line.slice(1) as TableName;
          current = this.table(name);
          last = undefined;
        } else if (!current || !name) throw new Error(`iptables-restore: line outside a table: ${line}`);
        else if (line.startsWith(":")) {
          this.flushOrCreate(name, current, line);
          last = undefined;
        } else if (line.startsWith("-X ")) {
          if (current.delete(line.slice(3))) this.sortedUser.delete(name);
          last = undefined;
        } else if (line.startsWith("-A ")) {
          const same = last !== undefined && isRuleOf(line, lastName);
          const chain = same ? last : current.get((lastName = chainOf(line)));
          if (!chain) throw new Error(`iptables-restore: chain ${chainOf(line)} does not exist: ${line}`);
          chain.rules.push(line);
          chain.stamp = this.nextStamp++;
          last = chain;
        } else throw new Error(`iptables-restore: cannot parse: ${line}`);
      }
    }
  }

  private flushOrCreate(name: TableName, table: Map<string, ChainState>, line: string): void {
    const sp = line.indexOf(" ");
    const chain = sp < 0 ? line.slice(1) : line.slice(1, sp);
    const had = table.has(chain);
    table.set(chain, this.newChain());
    if (!had) this.sortedUser.delete(name);
  }

  /** Chain names of a table: built-in chains first (in kernel order), then user chains sorted. */
  chains(table: TableName): string[] {
    return [...BUILTIN_CHAINS[table], ...this.userChains(table)];
  }

  private userChains(table: TableName): readonly string[] {
    let user = this.sortedUser.get(table);
    if (!user) {
      const builtin = BUILTIN_CHAINS[table];
      user = [...this.table(table).keys()].filter((c) => !builtin.includes(c)).sort();
      this.sortedUser.set(table, user);
    }
    return user;
  }

  /**
   * Calls `fn` for every chain of a table in {@link chains} order with its
   * rule lines (which it must not change) and its stamp (see {@link stamp}).
   */
  forEachChain(table: TableName, fn: (chain: string, rules: readonly string[], stamp: number) => void): void {
    const t = this.table(table);
    for (const chain of BUILTIN_CHAINS[table]) {
      const state = t.get(chain) as ChainState;
      fn(chain, state.rules, state.stamp);
    }
    for (const chain of this.userChains(table)) {
      const state = t.get(chain) as ChainState;
      fn(chain, state.rules, state.stamp);
    }
  }

  /** The rule lines of one chain (empty when the chain does not exist). */
  rules(table: TableName, chain: string): readonly string[] {
    return this.table(table).get(chain)?.rules ?? [];
  }

  /**
   * A number that changes whenever the chain's lines change or the chain is
   * created again; undefined when the chain does not exist.
   */
  stamp(table: TableName, chain: string): number | undefined {
    return this.table(table).get(chain)?.stamp;
  }

  /** True when the chain exists. */
  hasChain(table: TableName, chain: string): boolean {
    return this.table(table).has(chain);
  }
}
