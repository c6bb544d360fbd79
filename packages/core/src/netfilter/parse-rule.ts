import { parseCommonRule } from "./parse-fast.ts";
import { MATCH_MODULES, type MatchModule, type OptionCall, type RuleFacts } from "./parse-matches.ts";
import { TARGET_MODULES } from "./parse-targets.ts";
import { PROTO_NUMBERS, parseAddress, parseUint, RuleSyntaxError } from "./parse-values.ts";
import type { Token } from "./tokenize.ts";
import type { Counters, Match, TableName, Target } from "./types.ts";

interface Loaded {
  name: string;
  module: MatchModule;
  state: unknown;
  /** Position in the rule's match list, so the finished match keeps its place. */
  slot: number;
}

/** A rule as read from words: structured matches and target, and optional `-c` counters. */
export interface ParsedRule {
  matches: Match[];
  target: Target;
  counters?: Counters;
}

class Reader {
  i = 0;
  constructor(readonly tokens: readonly Token[]) {}
  get done(): boolean {
    return this.i >= this.tokens.length;
  }
  next(): string {
    return (this.tokens[this.i++] as Token).text;
  }
  value(option: string, what: string): string {
    if (this.done) throw new RuleSyntaxError(`expected ${what} after ${option}`);
    return this.next();
  }
}

/** The one OptionCall of a parse, pointed at each option in turn: no closure per option. */
class Call implements OptionCall {
  option = "";
  invert = false;
  constructor(private readonly r: Reader) {}
  value(): string {
    return this.r.value(this.option, "a value");
  }
}

/** The bit of each IP-part kind, to refuse a repeated flag. */
const IP_BIT = { source: 1, destination: 2, inInterface: 4, outInterface: 8, protocol: 16 } as const;

/** The match a port option after `-p` loads implicitly, by protocol number. */
const IMPLICIT: Readonly<Record<number, string>> = { 6: "tcp", 17: "udp", 132: "sctp" };

const IP_OPTIONS: Record<string, "source" | "destination" | "inInterface" | "outInterface" | "protocol"> = {
  "-s": "source",
  "--source": "source",
  "--src": "source",
  "-d": "destination",
  "--destination": "destination",
  "--dst": "destination",
  "-i": "inInterface",
  "--in-interface": "inInterface",
  "-o": "outInterface",
  "--out-interface": "outInterface",
  "-p": "protocol",
  "--protocol": "protocol",
};

/**
 * Parses the words of one rule (everything after `-A CHAIN`) the way
 * iptables does: the IP part (`-s -d -i -o -p`), `-m` extensions whose
 * options go to the latest loaded extension that knows them, an implicit
 * `-m tcp|udp|sctp` when a port option follows `-p`, then `-j`/`-g` with the
 * target's options. Throws RuleSyntaxError naming the offending word.
 */
export function parseRuleWords(tokens: readonly Token[], table: TableName): ParsedRule {
  return parseCommonRule(tokens, table) ?? parseAnyRule(tokens, table);
}

/**
 * The general parser behind {@link parseRuleWords}: every option of every
 * modelled extension, without the fast path for kube-proxy's rule shapes
 * (`parseCommonRule`). Exported so that tests can hold the two side by side.
 */
export function parseAnyRule(tokens: readonly Token[], table: TableName): ParsedRule {
  const r = new Reader(tokens);
  const matches: (Match | undefined)[] = [];
  const loaded: Loaded[] = [];
  const facts: RuleFacts = { proto: 0, protoInvert: false };
  const call = new Call(r);
  let seen = 0;
  let target: Target = { kind: "none" };
  let targetModule: (typeof TARGET_MODULES)[string] | undefined;
  let targetState: Record<string, unknown> = {};
  let counters: Counters | undefined;
  let invert = false;
  while (!r.done) {
    const word = r.next();
    if (word === "!") {
      if (invert) throw new RuleSyntaxError(`multiple "!" flags are not allowed`);
      invert = true;
      continue;
    }
    const ipKind = IP_OPTIONS[word];
    if (ipKind) {
      if (seen & IP_BIT[ipKind]) throw new RuleSyntaxError(`multiple ${word} flags are not allowed`);
      seen |= IP_BIT[ipKind];
      const m = parseIpPart(ipKind, word, r, invert);
      if (m.kind === "protocol") {
        facts.proto = m.proto;
        facts.protoInvert = m.invert;
      }
      if (!(m.kind === "inInterface" || m.kind === "outInterface") || m.name !== "+") matches.push(m);
    } else if (word === "-m" || word === "--match") {
      if (invert) throw new RuleSyntaxError(`"!" cannot be used before ${word}`);
      const name = r.value(word, "a match name");
      const module = MATCH_MODULES[name];
      if (!module) throw new RuleSyntaxError(`unknown match "-m ${name}"`);
      loaded.push({ name, module, state: module.init(), slot: matches.length });
      matches.push(undefined);
    } else if (word === "-j" || word === "--jump" || word === "-g" || word === "--goto") {
      if (invert) throw new RuleSyntaxError(`"!" cannot be used before ${word}`);
      if (target.kind !== "none") throw new RuleSyntaxError("multiple -j/-g flags are not allowed");
      const name = r.value(word, "a chain name");
      const goto = word === "-g" || word === "--goto";
      targetModule = goto ? undefined : TARGET_MODULES[name];
      if (targetModule) {
        if (targetModule.tables && !targetModule.tables.includes(table)) {
          throw new RuleSyntaxError(`target "${name}" is only valid in the ${targetModule.tables.join(", ")} table`);
        }
        targetState = targetModule.init();
        target = { kind: "ACCEPT" }; // placeholder until finish
      } else {
        target = { kind: goto ? "goto" : "jump", chain: name };
      }
    } else if (word === "-c" || word === "--set-counters") {
      const packets = parseUint(r.value(word, "a packet count"), "a packet count", Number.MAX_SAFE_INTEGER);
      const bytes = parseUint(r.value(word, "a byte count"), "a byte count", Number.MAX_SAFE_INTEGER);
      counters = { packets, bytes };
    } else if (word.startsWith("-")) {
      call.option = word;
      call.invert = invert;
      dispatchOption(call, loaded, matches, facts, targetModule, targetState);
    } else {
      throw new RuleSyntaxError(`unexpected word "${word}"`);
    }
    invert = false;
  }
  if (invert) throw new RuleSyntaxError(`"!" at the end of the rule negates nothing`);
  for (const l of loaded) matches[l.slot] = l.module.finish(l.state, facts);
  if (targetModule) target = targetModule.finish(targetState, facts);
  const result: ParsedRule = { matches: matches.filter((m): m is Match => m !== undefined), target };
  if (counters) result.counters = counters;
  return result;
}

function parseIpPart(kind: keyof typeof KIND_WHAT, word: string, r: Reader, invert: boolean): Match {
  const text = r.value(word, KIND_WHAT[kind]);
  switch (kind) {
    case "source":
    case "destination":
      return { kind, invert, cidr: parseAddress(text) };
    case "inInterface":
    case "outInterface":
      // why: IFNAMSIZ is 16 including the NUL (xtables_parse_interface).
      if (text.length > 15) throw new RuleSyntaxError(`interface name "${text}" must be shorter than 16 characters`);
      return { kind, invert, name: text };
    case "protocol": {
      const name = text.toLowerCase();
      const proto = PROTO_NUMBERS[name] ?? (/^\d+$/.test(text) ? parseUint(text, "a protocol", 255) : undefined);
      if (proto === undefined) throw new RuleSyntaxError(`unknown protocol "${text}"`);
      // why: libxt_standard.t — "! -p 0" FAILs: "all" cannot be negated.
      if (proto === 0 && invert) throw new RuleSyntaxError(`rule would never match protocol ("! -p ${text}")`);
      return { kind, invert, proto };
    }
  }
}

const KIND_WHAT = {
  source: "an address",
  destination: "an address",
  inInterface: "an interface name",
  outInterface: "an interface name",
  protocol: "a protocol",
} as const;

function dispatchOption(
  call: Call,
  loaded: Loaded[],
  matches: (Match | undefined)[],
  facts: RuleFacts,
  targetModule: (typeof TARGET_MODULES)[string] | undefined,
  targetState: Record<string, unknown>,
): void {
  const { option: word, invert } = call;
  for (let k = loaded.length - 1; k >= 0; k--) {
    const l = loaded[k] as Loaded;
    const spec = l.module.options[word];
    if (!spec) continue;
    if (invert && !spec.invertible) throw new RuleSyntaxError(`option "${word}" cannot be inverted`);
    spec.parse(l.state, call);
    return;
  }
  const targetOption = targetModule?.options[word];
  if (targetOption) {
    if (invert) throw new RuleSyntaxError(`option "${word}" cannot be inverted`);
    targetOption(targetState, call);
    return;
  }
  // why: iptables command_default loads the -p protocol's match implicitly
  // when an unknown option follows (-p tcp --dport 80 ≡ -p tcp -m tcp --dport 80).
  const implicit = IMPLICIT[facts.proto];
  const module = implicit ? MATCH_MODULES[implicit] : undefined;
  if (implicit && module?.options[word] && !loaded.some((l) => l.name === implicit)) {
    loaded.push({ name: implicit, module, state: module.init(), slot: matches.length });
    matches.push(undefined);
    dispatchOption(call, loaded, matches, facts, targetModule, targetState);
    return;
  }
  throw new RuleSyntaxError(`unknown option "${word}"`);
}
