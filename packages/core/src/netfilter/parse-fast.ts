import { parseNatRange, TARGET_MODULES } from "./parse-targets.ts";
import { parseAddress, parsePortRange } from "./parse-values.ts";
import type { Token } from "./tokenize.ts";
import type { Match, PortCondition, TableName, Target } from "./types.ts";

/** Port-match kinds by protocol number, and protocol numbers by `-p`/`-m` name. */
const PORT_PROTOS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132 };
/** Targets this path builds itself: the verdicts without options (DNAT aside); other modules are left out. */
const PLAIN_TARGETS = new Set(["ACCEPT", "DROP", "RETURN"]);
/** What `--probability` accepts (libxt_statistic parses it with strtod). */
const PROBABILITY = /^[0-9.eE+-]+$/;
/** A comment of at most this many UTF-16 units is under the 255-byte limit whatever it holds. */
const SHORT_COMMENT = 85;

type PortMatch = { kind: "tcp" | "udp" | "sctp"; sport?: PortCondition; dport?: PortCondition };

/** What the fast path has read so far of one rule. */
interface Fast {
  matches: Match[];
  proto: number;
  /** The port match loaded by `-m tcp|udp|sctp` (or implicitly), filled in at the end. */
  port: PortMatch | undefined;
  sport: PortCondition | undefined;
  dport: PortCondition | undefined;
  target: Target | undefined;
}

/**
 * Reads the rule shapes kube-proxy writes — `-m comment --comment`, `-m
 * tcp|udp|sctp -p …`, `[!] -s/-d`, `[!] --dport/--sport`, `-m statistic
 * --mode random --probability`, and `-j` to a chain, ACCEPT, DROP, RETURN
 * or DNAT `--to-destination` — without the general option dispatch, giving
 * exactly the matches and target {@link parseRuleWords} gives. Returns
 * undefined for anything else, and for anything the general parser would
 * refuse or read differently, so that the caller takes the general path
 * (which also produces the error message).
 */
export function parseCommonRule(
  tokens: readonly Token[],
  table: TableName,
): { matches: Match[]; target: Target } | undefined {
  const f: Fast = { matches: [], proto: 0, port: undefined, sport: undefined, dport: undefined, target: undefined };
  try {
    let i = 0;
    while (i < tokens.length) {
      if (f.target !== undefined) return undefined;
      const next = step(f, tokens, i, table);
      if (next < 0) return undefined;
      i = next;
    }
    return finish(f);
  } catch {
    return undefined;
  }
}

const word = (tokens: readonly Token[], i: number): string | undefined => tokens[i]?.text;

/** Reads the words at `i`; the index after them, or -1 to leave the rule to the general parser. */
function step(f: Fast, tokens: readonly Token[], i: number, table: TableName): number {
  const w = word(tokens, i);
  const invert = w === "!";
  const opt = invert ? word(tokens, i + 1) : w;
  const value = word(tokens, invert ? i + 2 : i + 1);
  if (opt === undefined || value === undefined) return -1;
  const after = invert ? i + 3 : i + 2;
  switch (opt) {
    case "-s":
    case "-d":
      return address(f, opt === "-s" ? "source" : "destination", invert, value) ? after : -1;
    case "-p":
      return !invert && protocol(f, value) ? after : -1;
    case "--dport":
    case "--sport":
      return port(f, opt, invert, value) ? after : -1;
    case "-m":
      return invert ? -1 : extension(f, tokens, i + 1, value);
    case "-j":
      return invert ? -1 : target(f, tokens, i + 2, value, table);
    default:
      return -1;
  }
}

function address(f: Fast, kind: "source" | "destination", invert: boolean, text: string): boolean {
  if (f.matches.some((m) => m.kind === kind)) return false;
  f.matches.push({ kind, invert, cidr: parseAddress(text) });
  return true;
}

/**
 * Matches that thousands of kube-proxy rules share word for word (`-p tcp`,
 * `-m tcp` without ports): one object each, as nothing changes a parsed
 * match, so that a large ruleset keeps fewer objects alive.
 */
const SHARED_PROTOCOL: Readonly<Record<number, Match>> = {
  6: { kind: "protocol", invert: false, proto: 6 },
  17: { kind: "protocol", invert: false, proto: 17 },
  132: { kind: "protocol", invert: false, proto: 132 },
};
const SHARED_PORT_MATCH: Readonly<Record<string, Match>> = {
  tcp: { kind: "tcp" },
  udp: { kind: "udp" },
  sctp: { kind: "sctp" },
};

/** The protocol number of `tcp`, `udp` or `sctp` (own keys only: "constructor" is no protocol here). */
const portProto = (name: string): number | undefined =>
  Object.hasOwn(PORT_PROTOS, name) ? PORT_PROTOS[name] : undefined;

function protocol(f: Fast, text: string): boolean {
  const proto = portProto(text);
  if (proto === undefined || f.proto !== 0) return false;
  f.proto = proto;
  f.matches.push(SHARED_PROTOCOL[proto] as Match);
  return true;
}

function port(f: Fast, opt: "--dport" | "--sport", invert: boolean, text: string): boolean {
  if (!f.port) {
    // why: iptables command_default loads the -p protocol's match implicitly for a port option.
    const kind = f.proto === 6 ? "tcp" : f.proto === 17 ? "udp" : f.proto === 132 ? "sctp" : undefined;
    if (!kind) return false;
    f.port = { kind };
    f.matches.push(f.port);
  }
  const range = parsePortRange(text);
  // The 0:65535 default is dropped from the saved rule: left to the general parser.
  if (range.lo === 0 && range.hi === 65535) return false;
  const cond: PortCondition = { ...range, invert };
  if (opt === "--dport") f.dport = cond;
  else f.sport = cond;
  return true;
}

/** `-m NAME …` at `i` (the name); the index after its options, or -1. */
function extension(f: Fast, tokens: readonly Token[], i: number, name: string): number {
  if (name === "comment") {
    const comment = word(tokens, i + 2);
    if (word(tokens, i + 1) !== "--comment" || comment === undefined || comment.length > SHORT_COMMENT) return -1;
    f.matches.push({ kind: "comment", comment });
    return i + 3;
  }
  if (name === "statistic") {
    const text = word(tokens, i + 4);
    if (word(tokens, i + 1) !== "--mode" || word(tokens, i + 2) !== "random") return -1;
    if (word(tokens, i + 3) !== "--probability" || text === undefined || !PROBABILITY.test(text)) return -1;
    const p = Number(text);
    if (!(p >= 0 && p <= 1)) return -1;
    // why: libxt_statistic.c statistic_parse — probability = lround(0x80000000 * p).
    f.matches.push({ kind: "statistic", mode: "random", invert: false, probability: Math.round(p * 0x80000000) });
    return i + 5;
  }
  if (portProto(name) === undefined || f.port) return -1;
  f.port = { kind: name as PortMatch["kind"] };
  f.matches.push(f.port);
  return i + 1;
}

/** `-j NAME` with the words after it from `i`: the index past the rule, or -1. */
function target(f: Fast, tokens: readonly Token[], i: number, name: string, table: TableName): number {
  // The general parser's lookup, so that a name means a chain exactly when it does there.
  if (!TARGET_MODULES[name]) {
    f.target = { kind: "jump", chain: name };
    return i;
  }
  if (PLAIN_TARGETS.has(name)) {
    f.target = { kind: name as "ACCEPT" | "DROP" | "RETURN" };
    return i;
  }
  const text = word(tokens, i + 1);
  if (name !== "DNAT" || table !== "nat" || word(tokens, i) !== "--to-destination" || text === undefined) return -1;
  const range = parseNatRange(text);
  // why: libipt_DNAT.t — a port range needs -p tcp|udp|sctp (left to the general parser's error).
  if (range.ports && f.proto === 0) return -1;
  f.target = { kind: "DNAT", range, random: false, persistent: false };
  return i + 2;
}

/** The finished rule, or undefined when a check of the general parser's `finish` would fail. */
function finish(f: Fast): { matches: Match[]; target: Target } | undefined {
  const p = f.port;
  if (p) {
    // why: -m tcp requires -p tcp (xt_tcpudp registers with .proto = IPPROTO_TCP).
    if (PORT_PROTOS[p.kind] !== f.proto) return undefined;
    if (f.sport) p.sport = f.sport;
    if (f.dport) p.dport = f.dport;
    if (!f.sport && !f.dport) f.matches[f.matches.indexOf(p)] = SHARED_PORT_MATCH[p.kind] as Match;
  } else if (f.sport || f.dport) return undefined;
  return { matches: f.matches, target: f.target ?? { kind: "none" } };
}
