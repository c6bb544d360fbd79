import { type MatchModule, mod, type OptionSpec } from "./match-module.ts";
import { STATEFUL_MATCH_MODULES } from "./parse-matches-stateful.ts";
import { parseAddrTypes, parseStates } from "./parse-names.ts";
import { parseMarkMask, parsePort, parsePortRange, RuleSyntaxError } from "./parse-values.ts";
import type { Match, PortCondition, PortRange } from "./types.ts";

export type { MatchModule, OptionCall, RuleFacts } from "./match-module.ts";

type PortState = { sport?: PortCondition; dport?: PortCondition };

// why: a ":" range (0:65535) is the match's default and is not saved (libxt_tcp.t "--sport :").
function keep(p: PortCondition | undefined): PortCondition | undefined {
  return p && !(p.lo === 0 && p.hi === 65535) ? p : undefined;
}

function portModule(kind: "tcp" | "udp" | "sctp", proto: number): MatchModule<unknown> {
  const sport: OptionSpec<PortState> = {
    invertible: true,
    parse: (s, c) => (s.sport = { ...parsePortRange(c.value()), invert: c.invert }),
  };
  const dport: OptionSpec<PortState> = {
    invertible: true,
    parse: (s, c) => (s.dport = { ...parsePortRange(c.value()), invert: c.invert }),
  };
  return mod<PortState>({
    init: () => ({}),
    options: { "--sport": sport, "--source-port": sport, "--dport": dport, "--destination-port": dport },
    finish(s, facts) {
      // why: libxt_tcp.t — "-m tcp --dport 1" without "-p tcp" FAILs; xt_tcpudp
      // registers with .proto = IPPROTO_TCP, checked against the rule's -p.
      if (facts.proto !== proto || facts.protoInvert) {
        throw new RuleSyntaxError(`-m ${kind} requires -p ${kind}`);
      }
      const m: { kind: typeof kind; sport?: PortCondition; dport?: PortCondition } = { kind };
      const sp = keep(s.sport);
      const dp = keep(s.dport);
      if (sp) m.sport = sp;
      if (dp) m.dport = dp;
      return m;
    },
  });
}

function parsePortList(text: string): PortRange[] {
  const ports = text.split(",").map((p) => {
    if (p.includes(":")) return parsePortRange(p);
    const n = parsePort(p);
    return { lo: n, hi: n };
  });
  // why: XT_MULTI_PORTS is 15, and a range takes two slots (libxt_multiport.c parse_multi_ports_v1).
  const slots = ports.reduce((n, p) => n + (p.lo === p.hi ? 1 : 2), 0);
  if (slots > 15) throw new RuleSyntaxError(`too many ports in "${text}" (at most 15, a range counts as 2)`);
  return ports;
}

type MultiState = { m?: Match & { kind: "multiport" } };
const multiOpt = (direction: "sports" | "dports" | "ports"): OptionSpec<MultiState> => ({
  invertible: true,
  parse(s, c) {
    if (s.m) throw new RuleSyntaxError("multiport accepts only one of --sports, --dports, --ports");
    s.m = { kind: "multiport", invert: c.invert, direction, ports: parsePortList(c.value()) };
  },
});

/** The match extensions svcsim understands, by `-m` name. */
export const MATCH_MODULES: Readonly<Record<string, MatchModule<unknown>>> = {
  tcp: portModule("tcp", 6),
  udp: portModule("udp", 17),
  sctp: portModule("sctp", 132),
  multiport: mod<MultiState>({
    init: () => ({}),
    options: {
      "--sports": multiOpt("sports"),
      "--source-ports": multiOpt("sports"),
      "--dports": multiOpt("dports"),
      "--destination-ports": multiOpt("dports"),
      "--ports": multiOpt("ports"),
    },
    finish(s, facts) {
      if (!s.m) throw new RuleSyntaxError("multiport needs --sports, --dports or --ports");
      if (![6, 17, 132, 136].includes(facts.proto) || facts.protoInvert) {
        throw new RuleSyntaxError("multiport needs -p tcp, -p udp, -p udplite or -p sctp");
      }
      return s.m;
    },
  }),
  comment: mod<{ comment?: string }>({
    init: () => ({}),
    options: { "--comment": { parse: (s, c) => (s.comment = c.value()) } },
    finish(s) {
      if (s.comment === undefined) throw new RuleSyntaxError("comment needs --comment");
      // why: XT_MAX_COMMENT_LEN is 256 bytes including the NUL (libxt_comment.c).
      if (Buffer.byteLength(s.comment) > 255) throw new RuleSyntaxError("comment may not exceed 255 bytes");
      return { kind: "comment", comment: s.comment };
    },
  }),
  addrtype: mod<Match & { kind: "addrtype" }>({
    init: () => ({ kind: "addrtype", limitIfaceIn: false, limitIfaceOut: false }),
    options: {
      "--src-type": {
        invertible: true,
        parse: (s, c) => (s.src = { types: parseAddrTypes(c.value()), invert: c.invert }),
      },
      "--dst-type": {
        invertible: true,
        parse: (s, c) => (s.dst = { types: parseAddrTypes(c.value()), invert: c.invert }),
      },
      "--limit-iface-in": { parse: (s) => (s.limitIfaceIn = true) },
      "--limit-iface-out": { parse: (s) => (s.limitIfaceOut = true) },
    },
    finish(s) {
      if (!s.src && !s.dst) throw new RuleSyntaxError("addrtype: you must specify --src-type or --dst-type");
      if (s.limitIfaceIn && s.limitIfaceOut) {
        throw new RuleSyntaxError("addrtype: --limit-iface-in and --limit-iface-out are exclusive");
      }
      return s;
    },
  }),
  mark: mod<{ m?: Match }>({
    init: () => ({}),
    options: {
      "--mark": {
        invertible: true,
        parse: (s, c) => (s.m = { kind: "mark", invert: c.invert, ...parseMarkMask(c.value(), "a mark value[/mask]") }),
      },
    },
    finish(s) {
      if (!s.m) throw new RuleSyntaxError("mark needs --mark");
      return s.m;
    },
  }),
  ...STATEFUL_MATCH_MODULES,
  conntrack: mod<{ m?: Match }>({
    init: () => ({}),
    options: {
      "--ctstate": {
        invertible: true,
        parse: (s, c) => (s.m = { kind: "conntrack", invert: c.invert, states: parseStates(c.value(), true) }),
      },
    },
    finish(s) {
      if (!s.m) throw new RuleSyntaxError("conntrack needs --ctstate (other conntrack options are not modelled)");
      return s.m;
    },
  }),
  state: mod<{ m?: Match }>({
    init: () => ({}),
    options: {
      "--state": {
        invertible: true,
        parse: (s, c) => (s.m = { kind: "state", invert: c.invert, states: parseStates(c.value(), false) }),
      },
    },
    finish(s) {
      if (!s.m) throw new RuleSyntaxError("state needs --state");
      return s.m;
    },
  }),
  set: mod<{ m?: Match }>({
    init: () => ({}),
    options: {
      "--match-set": {
        invertible: true,
        parse(s, c) {
          if (s.m) throw new RuleSyntaxError("--match-set can be specified only once");
          const name = c.value();
          const dirs = c.value().split(",");
          if (dirs.length > 6 || dirs.some((d) => d !== "src" && d !== "dst")) {
            throw new RuleSyntaxError(`expected set flags such as "dst" or "dst,dst", got "${dirs.join(",")}"`);
          }
          s.m = { kind: "set", invert: c.invert, name, dirs: dirs as ("src" | "dst")[] };
        },
      },
    },
    finish(s) {
      if (!s.m) throw new RuleSyntaxError("set needs --match-set");
      return s.m;
    },
  }),
  nfacct: mod<{ name?: string }>({
    init: () => ({}),
    options: { "--nfacct-name": { parse: (s, c) => (s.name = c.value()) } },
    finish(s) {
      if (s.name === undefined) throw new RuleSyntaxError("nfacct needs --nfacct-name");
      return { kind: "nfacct", name: s.name };
    },
  }),
};
