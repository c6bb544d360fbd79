/** The tables kube-proxy's iptables mode touches. */
export type TableName = "filter" | "nat" | "mangle";

/** Built-in chains per table, in the order iptables-save lists them. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
};

function chainOf(rule: string): string {
  return rule.split(" ", 2)[1] ?? "";
}

/**
 * The node's iptables state as kube-proxy leaves it: chains and rule lines
 * (each `-A CHAIN …`, as written) per table. Changed only the ways kube-proxy
 * changes it — `iptables-restore --noflush` input and `iptables -I` of jump
 * rules — so a partial sync leaves unchanged service chains in place, exactly
 * as in the kernel.
 */
export class IptablesTables {
  private readonly tables = new Map<TableName, Map<string, string[]>>();

  constructor() {
    for (const t of Object.keys(BUILTIN_CHAINS) as TableName[]) {
      this.tables.set(t, new Map(BUILTIN_CHAINS[t].map((c) => [c, []])));
    }
  }

  private table(name: TableName): Map<string, string[]> {
    return this.tables.get(name)!;
  }

  /** `iptables -N` unless the chain exists (utiliptables EnsureChain). */
  ensureChain(table: TableName, chain: string): void {
    if (!this.table(table).has(chain)) this.table(table).set(chain, []);
  }

  /** `iptables -I chain 1 …` unless the identical rule exists (utiliptables EnsureRule with Prepend). */
  ensureRulePrepended(table: TableName, rule: string): void {
    const rules = this.table(table).get(chainOf(rule));
    if (!rules) throw new Error(`iptables: no chain ${chainOf(rule)} in ${table}`);
    if (!rules.includes(rule)) rules.unshift(rule);
  }

  /**
   * Applies `iptables-restore --noflush` input: a `:CHAIN` line creates or
   * flushes the chain, `-A` appends, `-X` deletes; chains the input does not
   * mention are left alone. Throws on input iptables-restore would refuse.
   */
  restore(input: string): void {
    let current: Map<string, string[]> | undefined;
    for (const line of input.split("\n")) {
      if (line === "" || line === "COMMIT") continue;
      if (line.startsWith("*")) current = this.table(line.slice(1) as TableName);
      else if (!current) throw new Error(`iptables-restore: line outside a table: ${line}`);
      else if (line.startsWith(":")) current.set(line.slice(1).split(" ", 1)[0]!, []);
      else if (line.startsWith("-X ")) current.delete(line.slice(3));
      else if (line.startsWith("-A ")) {
        const rules = current.get(chainOf(line));
        if (!rules) throw new Error(`iptables-restore: chain ${chainOf(line)} does not exist: ${line}`);
        rules.push(line);
      } else throw new Error(`iptables-restore: cannot parse: ${line}`);
    }
  }

  /** Chain names of a table: built-in chains first (in kernel order), then user chains sorted. */
  chains(table: TableName): string[] {
    const builtin = BUILTIN_CHAINS[table];
    const user = [...this.table(table).keys()].filter((c) => !builtin.includes(c)).sort();
    return [...builtin, ...user];
  }

  /** The rule lines of one chain (empty when the chain does not exist). */
  rules(table: TableName, chain: string): readonly string[] {
    return this.table(table).get(chain) ?? [];
  }

  /** True when the chain exists. */
  hasChain(table: TableName, chain: string): boolean {
    return this.table(table).has(chain);
  }
}
