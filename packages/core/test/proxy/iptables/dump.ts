/**
 * Test helpers ported from kubernetes/kubernetes so that svcsim's output is
 * compared with kube-proxy's expected dumps the way kube-proxy's own tests
 * compare them:
 *  - pkg/util/iptables/testing/parse.go: ParseIPTablesDump, ParseRule, IPTablesDump.String
 *  - pkg/proxy/iptables/proxier_test.go: sortIPTablesRules, orderByCommentServiceName
 */

/** One parsed rule: its raw text and the parameters the tests look at. */
export interface Rule {
  readonly raw: string;
  readonly chain: string;
  /** Parameter → {negated, value}; boolean parameters have value "". */
  readonly params: ReadonlyMap<string, { negated: boolean; value: string }>;
}

interface Chain {
  name: string;
  policy: string;
  rules: Rule[];
  deleted: boolean;
}

interface Table {
  name: string;
  chains: Chain[];
}

/** A parsed iptables-save / iptables-restore text. */
export interface Dump {
  tables: Table[];
}

// The parameters parse.go's Rule struct knows; the boolean ones take no value.
const VALUE_PARAMS = new Set([
  "--comment",
  "-p",
  "-s",
  "--src-type",
  "--sport",
  "-d",
  "--dst-type",
  "--dport",
  "--match-set",
  "-j",
  "--probability",
  "--to-destination",
  "--mark",
  "--ctstate",
  "--name",
  "--seconds",
  "--mode",
]);
const BOOL_PARAMS = new Set(["--random-fully", "--rcheck", "--set", "--reap"]);

/** parse.go ParseRule (non-strict): unknown parameters are skipped one word at a time. */
export function parseRule(raw: string): Rule {
  const words = [...raw.matchAll(/(?:^|\s)("[^"]*"|[^"]\S*)/g)].map((m) => m[1]!.replace(/^"|"$/g, ""));
  if (words[0] !== "-A" || words.length < 3) throw new Error(`bad iptables rule: ${raw}`);
  const params = new Map<string, { negated: boolean; value: string }>();
  let negated = false;
  for (let w = 2; w < words.length; ) {
    const word = words[w]!;
    if (word === "-m" && w < words.length - 1) {
      w += 2;
      continue;
    }
    if (word === "!") {
      negated = true;
      w++;
      continue;
    }
    if (VALUE_PARAMS.has(word)) {
      params.set(word, { negated, value: words[w + 1] ?? "" });
      w += 2;
    } else {
      if (BOOL_PARAMS.has(word)) params.set(word, { negated, value: "" });
      w++;
    }
    negated = false;
  }
  return { raw, chain: words[1]!, params };
}

/** parse.go ParseIPTablesDump (also accepting built-in chains' policies, as iptables-save prints them). */
export function parseDump(data: string): Dump {
  const dump: Dump = { tables: [] };
  let table: Table | undefined;
  let declaring = false;
  for (const rawLine of data.replace(/^\n+|\n+$/g, "").split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!table) {
      if (!line.startsWith("*")) throw new Error(`table starts with ${line}`);
      table = { name: line.slice(1), chains: [] };
      dump.tables.push(table);
      declaring = true;
      continue;
    }
    const decl = declaring ? /^:(\S+) (\S+) \[(\d+):(\d+)\]$/.exec(line) : null;
    if (decl) {
      table.chains.push({ name: decl[1]!, policy: decl[2]!, rules: [], deleted: false });
      continue;
    }
    declaring = false;
    if (line === "COMMIT") table = undefined;
    else if (line.startsWith("-X ")) chainOf(table, line.slice(3)).deleted = true;
    else if (line.startsWith("-A ")) {
      const rule = parseRule(line);
      chainOf(table, rule.chain).rules.push(rule);
    } else throw new Error(`error parsing rule ${line}`);
  }
  if (table) throw new Error("no COMMIT line");
  return dump;
}

function chainOf(table: Table, name: string): Chain {
  const c = table.chains.find((ch) => ch.name === name);
  if (!c) throw new Error(`no such chain ${name}`);
  return c;
}

/** parse.go IPTablesDump.String: chain lines, then every chain's rules, then -X lines. */
export function dumpString(dump: Dump): string {
  let out = "";
  for (const t of dump.tables) {
    out += `*${t.name}\n`;
    for (const c of t.chains) out += `:${c.name} ${c.policy} [0:0]\n`;
    for (const c of t.chains) for (const r of c.rules) out += `${r.raw}\n`;
    for (const c of t.chains) if (c.deleted) out += `-X ${c.name}\n`;
    out += "COMMIT\n";
  }
  return out;
}

/** The chain of a table, if any. */
export function getChain(dump: Dump, table: string, chain: string): Chain | undefined {
  return dump.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain);
}

function serviceNameOf(rule: Rule): string | undefined {
  const comment = rule.params.get("--comment")?.value;
  if (comment === undefined) return undefined;
  const i = comment.search(/[ :]/);
  return i === -1 ? comment : comment.slice(0, i);
}

/** proxier_test.go orderByCommentServiceName, as a comparator. */
function byServiceName(a: Rule, b: Rule): number {
  const na = serviceNameOf(a);
  const nb = serviceNameOf(b);
  if (na === undefined || nb === undefined) return 0;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function chainRank(name: string): [number, string] {
  if (name === "KUBE-NODEPORTS") return [0, name];
  if (name === "KUBE-SERVICES") return [1, name];
  return [name.startsWith("KUBE-") ? 2 : 3, name];
}

const isLast = (r: Rule) => r.params.get("--comment")?.value.includes("must be the last rule") ?? false;

/** proxier_test.go sortIPTablesRules: makes a dump independent of Service processing order. */
export function sortIPTablesRules(data: string): string {
  const dump = parseDump(data);
  dump.tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const t of dump.tables) {
    t.chains.sort((a, b) => {
      const [ra, na] = chainRank(a.name);
      const [rb, nb] = chainRank(b.name);
      return ra !== rb ? ra - rb : na < nb ? -1 : na > nb ? 1 : 0;
    });
  }
  for (const table of ["filter", "nat"]) {
    getChain(dump, table, "KUBE-NODEPORTS")?.rules.sort(byServiceName);
  }
  getChain(dump, "filter", "KUBE-SERVICES")?.rules.sort(byServiceName);
  getChain(dump, "nat", "KUBE-SERVICES")?.rules.sort((a, b) => {
    if (isLast(a)) return isLast(b) ? 0 : 1;
    if (isLast(b)) return -1;
    return byServiceName(a, b);
  });
  return dumpString(dump);
}

/** Go's dedent + TrimLeft for the expected strings copied from proxier_test.go. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^\s*/.exec(l)![0].length);
  const cut = Math.min(...indents);
  return lines
    .map((l) => l.slice(cut))
    .join("\n")
    .replace(/[ \t]+$/, "");
}
