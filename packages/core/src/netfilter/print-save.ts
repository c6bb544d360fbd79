import { formatRuleLine } from "./print-rule.ts";
import { canonicalChainOrder } from "./ruleset.ts";
import type { Chain, Rule, Ruleset, Table } from "./types.ts";

/** Options for {@link printIptablesSave}. */
export interface PrintSaveOptions {
  /**
   * `canonical` (default): what `iptables-save` prints on a node holding
   * these rules — built-in chains in hook order, user chains sorted, rules
   * grouped by chain, every rule in canonical form (probabilities quantized,
   * `-s x/32`, MARK as `--set-xmark`), no comment lines.
   *
   * `preserve`: the text the ruleset was parsed from, byte for byte — the
   * same lines in the same order with each rule's source text — with the
   * current counters; chains and rules added since are appended in
   * canonical form, removed ones are left out. Use it to round-trip
   * kube-proxy's own iptables-restore input.
   */
  mode?: "canonical" | "preserve";
  /** Prefix every rule with `[packets:bytes]`, as `iptables-save -c` does. */
  counters?: boolean;
}

function chainLine(chain: Chain, preserve: boolean): string {
  let policy = chain.builtin ? (chain.policy ?? "ACCEPT") : "-";
  // why: iptables-restore input may write "-" for a built-in chain ("keep the policy").
  if (preserve && chain.builtin && chain.policyText === "-" && policy === "ACCEPT") policy = "-";
  return `:${chain.name} ${policy} [${chain.counters.packets}:${chain.counters.bytes}]`;
}

function ruleLine(chain: string, rule: Rule, preserve: boolean, counters: boolean): string {
  const line = formatRuleLine(chain, rule, preserve);
  return counters ? `[${rule.counters.packets}:${rule.counters.bytes}] ${line}` : line;
}

function canonicalBody(table: Table, counters: boolean, out: string[]): void {
  const chains = canonicalChainOrder(table);
  for (const chain of chains) out.push(chainLine(chain, false));
  for (const chain of chains) for (const rule of chain.rules) out.push(ruleLine(chain.name, rule, false, counters));
}

function preservedBody(table: Table, counters: boolean, out: string[]): void {
  const live = new Set<Rule>();
  for (const chain of table.chains.values()) for (const rule of chain.rules) live.add(rule);
  const printedChains = new Set<string>();
  const printedRules = new Set<Rule>();
  for (const entry of table.layout ?? []) {
    if (entry.kind === "text") out.push(entry.line);
    else if (entry.kind === "chain") {
      const chain = table.chains.get(entry.name);
      if (chain && !printedChains.has(chain.name)) {
        out.push(chainLine(chain, true));
        printedChains.add(chain.name);
      }
    } else if (live.has(entry.rule)) {
      out.push(ruleLine(entry.chain, entry.rule, true, counters || entry.counterPrefix));
      printedRules.add(entry.rule);
    }
  }
  const chains = canonicalChainOrder(table);
  for (const chain of chains) {
    // why: rules or chains added after parsing have no place in the old text; built-ins need no declaration.
    if (!printedChains.has(chain.name) && !chain.builtin) out.push(chainLine(chain, true));
  }
  for (const chain of chains) {
    for (const rule of chain.rules) if (!printedRules.has(rule)) out.push(ruleLine(chain.name, rule, true, counters));
  }
}

/**
 * Prints a ruleset as `iptables-save` text (see {@link PrintSaveOptions} for
 * the two modes). Tables come in the ruleset's order.
 */
export function printIptablesSave(ruleset: Ruleset, options: PrintSaveOptions = {}): string {
  const preserve = options.mode === "preserve";
  const counters = options.counters === true;
  const out: string[] = [];
  for (const table of ruleset.tables.values()) {
    if (preserve) out.push(...(table.before ?? []));
    out.push(`*${table.name}`);
    if (preserve && table.layout) preservedBody(table, counters, out);
    else canonicalBody(table, counters, out);
    out.push("COMMIT");
  }
  if (preserve) out.push(...(ruleset.after ?? []));
  if (out.length === 0) return "";
  const text = out.join("\n");
  return preserve && ruleset.finalNewline === false ? text : `${text}\n`;
}
