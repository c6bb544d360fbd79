import {
  BUILTIN_CHAINS,
  type Chain,
  type Match,
  type Rule,
  type Ruleset,
  type Table,
  type TableName,
  type Target,
} from "./types.ts";

/** An empty ruleset: no tables yet (a table appears when first used, as the kernel modules load on demand). */
export function newRuleset(): Ruleset {
  return { tables: new Map() };
}

/** A table with its built-in chains, each with policy ACCEPT and zero counters. */
export function newTable(name: TableName): Table {
  const chains = new Map<string, Chain>();
  for (const hook of BUILTIN_CHAINS[name]) {
    // why: a freshly loaded iptable_* module's built-in chains accept by default.
    chains.set(hook, { name: hook, builtin: true, policy: "ACCEPT", counters: { packets: 0, bytes: 0 }, rules: [] });
  }
  return { name, chains };
}

/** The named table of a ruleset, created (with its built-in chains) when missing. */
export function ensureTable(ruleset: Ruleset, name: TableName): Table {
  let table = ruleset.tables.get(name);
  if (!table) {
    table = newTable(name);
    ruleset.tables.set(name, table);
  }
  return table;
}

/** The named chain of a table, created as an empty user chain when missing (`iptables -N`). */
export function ensureChain(table: Table, name: string): Chain {
  let chain = table.chains.get(name);
  if (!chain) {
    chain = { name, builtin: false, counters: { packets: 0, bytes: 0 }, rules: [] };
    table.chains.set(name, chain);
  }
  return chain;
}

/** Builds a rule from structured parts (counters start at zero, no source text). */
export function makeRule(matches: Match[], target: Target): Rule {
  return { matches, target, counters: { packets: 0, bytes: 0 } };
}

/** Appends a rule to a chain (`iptables -A`), creating the table and chain when missing. */
export function appendRule(ruleset: Ruleset, table: TableName, chain: string, rule: Rule): Rule {
  ensureChain(ensureTable(ruleset, table), chain).rules.push(rule);
  return rule;
}

/**
 * User chains sorted the way libiptc keeps them (byte order, strcmp), after
 * the built-ins in hook order: the order iptables-save prints chains in.
 */
export function canonicalChainOrder(table: Table): Chain[] {
  const builtins: Chain[] = [];
  const users: Chain[] = [];
  for (const chain of table.chains.values()) (chain.builtin ? builtins : users).push(chain);
  const hookOrder = BUILTIN_CHAINS[table.name];
  builtins.sort((a, b) => hookOrder.indexOf(a.name as never) - hookOrder.indexOf(b.name as never));
  // why: libiptc inserts user-defined chains sorted by strcmp (iptc_insert_chain).
  users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...builtins, ...users];
}

/** Zeroes every rule and chain counter of a table (`iptables -Z`). */
export function zeroCounters(table: Table): void {
  for (const chain of table.chains.values()) {
    chain.counters.packets = 0;
    chain.counters.bytes = 0;
    for (const rule of chain.rules) {
      rule.counters.packets = 0;
      rule.counters.bytes = 0;
    }
  }
}
