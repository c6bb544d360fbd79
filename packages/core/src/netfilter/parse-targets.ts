import type { OptionCall, RuleFacts } from "./parse-matches.ts";
import { parseHost, parseMarkMask, parsePort, parseUint, RuleSyntaxError } from "./parse-values.ts";
import type { NatRange, PortRange, RejectWith, TableName, Target } from "./types.ts";

/** A target extension: its options, its final check, the tables it is valid in. */
interface TargetModule {
  tables?: readonly TableName[];
  init(): Record<string, unknown>;
  options: Record<string, (s: Record<string, unknown>, c: OptionCall) => void>;
  finish(s: Record<string, unknown>, facts: RuleFacts): Target;
}

// why: libipt_REJECT.c reject_table — names, aliases, and the default icmp-port-unreachable.
const REJECT_TYPES: readonly [RejectWith, string][] = [
  ["icmp-net-unreachable", "net-unreach"],
  ["icmp-host-unreachable", "host-unreach"],
  ["icmp-proto-unreachable", "proto-unreach"],
  ["icmp-port-unreachable", "port-unreach"],
  ["icmp-net-prohibited", "net-prohib"],
  ["icmp-host-prohibited", "host-prohib"],
  ["tcp-reset", "tcp-rst"],
  ["icmp-admin-prohibited", "admin-prohib"],
];

function parsePortSpan(text: string): PortRange {
  const [a, b, extra] = text.split("-");
  if (extra !== undefined || a === undefined) throw new RuleSyntaxError(`expected a port or port-port, got "${text}"`);
  const lo = parsePort(a);
  const hi = b === undefined ? lo : parsePort(b);
  if (lo > hi) throw new RuleSyntaxError(`invalid port range "${text}": start is after end`);
  return { lo, hi };
}

/** Parses `ip[-ip][:port[-port]]` (libipt_DNAT.c / libipt_SNAT.c parse_to). */
export function parseNatRange(text: string): NatRange {
  const colon = text.indexOf(":");
  const ips = colon < 0 ? text : text.slice(0, colon);
  const [a, b, extra] = ips.split("-");
  if (extra !== undefined || a === undefined)
    throw new RuleSyntaxError(`expected ip[-ip][:port[-port]], got "${text}"`);
  const minIp = parseHost(a, "a NAT address");
  const maxIp = b === undefined ? minIp : parseHost(b, "a NAT address");
  const range: NatRange = { minIp, maxIp };
  if (colon >= 0) range.ports = parsePortSpan(text.slice(colon + 1));
  return range;
}

function requirePortProto(range: { ports?: PortRange }, facts: RuleFacts, target: string): void {
  // why: libipt_DNAT.t / libipt_SNAT.t — "--to-destination 1.1.1.1:1025-65535" FAILs without -p tcp|udp|sctp.
  if (range.ports && (![6, 17, 132, 136].includes(facts.proto) || facts.protoInvert)) {
    throw new RuleSyntaxError(`${target}: a port range needs -p tcp, -p udp or -p sctp`);
  }
}

const flag = (name: string) => (s: Record<string, unknown>) => {
  s[name] = true;
};

const LOG_LEVELS = ["emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"];

/** The built-in and extension targets, by `-j` name. */
export const TARGET_MODULES: Readonly<Record<string, TargetModule>> = {
  ACCEPT: { init: () => ({}), options: {}, finish: () => ({ kind: "ACCEPT" }) },
  DROP: { init: () => ({}), options: {}, finish: () => ({ kind: "DROP" }) },
  RETURN: { init: () => ({}), options: {}, finish: () => ({ kind: "RETURN" }) },
  REJECT: {
    init: () => ({ with: "icmp-port-unreachable" }),
    options: {
      "--reject-with"(s, c) {
        const v = c.value().toLowerCase();
        const hit = REJECT_TYPES.find(([name, alias]) => name === v || alias === v);
        if (!hit) throw new RuleSyntaxError(`unknown reject type "${v}"`);
        s.with = hit[0];
      },
    },
    finish: (s) => ({ kind: "REJECT", with: s.with as RejectWith }),
  },
  DNAT: {
    tables: ["nat"],
    init: () => ({ random: false, persistent: false }),
    options: {
      "--to-destination"(s, c) {
        if (s.range) throw new RuleSyntaxError("DNAT: multiple --to-destination are not supported");
        s.range = parseNatRange(c.value());
      },
      "--random": flag("random"),
      "--persistent": flag("persistent"),
    },
    finish(s, facts) {
      if (!s.range) throw new RuleSyntaxError("DNAT needs --to-destination");
      const range = s.range as NatRange;
      requirePortProto(range, facts, "DNAT");
      return { kind: "DNAT", range, random: s.random === true, persistent: s.persistent === true };
    },
  },
  SNAT: {
    tables: ["nat"],
    init: () => ({ random: false, randomFully: false, persistent: false }),
    options: {
      "--to-source"(s, c) {
        if (s.range) throw new RuleSyntaxError("SNAT: multiple --to-source are not supported");
        s.range = parseNatRange(c.value());
      },
      "--random": flag("random"),
      "--random-fully": flag("randomFully"),
      "--persistent": flag("persistent"),
    },
    finish(s, facts) {
      if (!s.range) throw new RuleSyntaxError("SNAT needs --to-source");
      const range = s.range as NatRange;
      requirePortProto(range, facts, "SNAT");
      return {
        kind: "SNAT",
        range,
        random: s.random === true,
        randomFully: s.randomFully === true,
        persistent: s.persistent === true,
      };
    },
  },
  MASQUERADE: {
    tables: ["nat"],
    init: () => ({ random: false, randomFully: false }),
    options: {
      "--to-ports"(s, c) {
        s.ports = parsePortSpan(c.value());
      },
      "--random": flag("random"),
      "--random-fully": flag("randomFully"),
    },
    finish(s, facts) {
      const ports = s.ports as PortRange | undefined;
      requirePortProto({ ports }, facts, "MASQUERADE");
      const t: Target = { kind: "MASQUERADE", random: s.random === true, randomFully: s.randomFully === true };
      if (ports) t.ports = ports;
      return t;
    },
  },
  MARK: {
    init: () => ({}),
    options: {
      // why: libxt_MARK.c mark_tg_parse — every form becomes (mark, mask) for
      // the kernel's skb->mark = (skb->mark & ~mask) ^ mark.
      "--set-xmark": (s, c) => setMark(s, parseMarkMask(c.value(), "value[/mask]")),
      "--set-mark": (s, c) => {
        const { value, mask } = parseMarkMask(c.value(), "value[/mask]");
        setMark(s, { value, mask: (value | mask) >>> 0 });
      },
      "--and-mark": (s, c) => setMark(s, { value: 0, mask: ~parseUint(c.value(), "a mark") >>> 0 }),
      "--or-mark": (s, c) => {
        const v = parseUint(c.value(), "a mark");
        setMark(s, { value: v, mask: v });
      },
      "--xor-mark": (s, c) => setMark(s, { value: parseUint(c.value(), "a mark"), mask: 0 }),
    },
    finish(s) {
      if (s.value === undefined)
        throw new RuleSyntaxError("MARK needs one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark");
      return { kind: "MARK", value: s.value as number, mask: s.mask as number };
    },
  },
  LOG: {
    init: () => ({ prefix: "", level: 4, flags: [] }),
    options: {
      "--log-prefix"(s, c) {
        const v = c.value();
        // why: libxt_LOG.c — the prefix is at most 29 characters.
        if (v.length > 29) throw new RuleSyntaxError("--log-prefix may not exceed 29 characters");
        s.prefix = v;
      },
      "--log-level"(s, c) {
        const v = c.value().toLowerCase();
        const named = LOG_LEVELS.indexOf(v === "warn" ? "warning" : v === "panic" ? "emerg" : v);
        s.level = named >= 0 ? named : parseUint(v, "a log level 0-7", 7);
      },
      "--log-tcp-sequence": (s) => (s.flags as string[]).push("--log-tcp-sequence"),
      "--log-tcp-options": (s) => (s.flags as string[]).push("--log-tcp-options"),
      "--log-ip-options": (s) => (s.flags as string[]).push("--log-ip-options"),
      "--log-uid": (s) => (s.flags as string[]).push("--log-uid"),
    },
    finish(s) {
      // why: libxt_LOG.c log_save prints flags in this fixed order.
      const order = ["--log-tcp-sequence", "--log-tcp-options", "--log-ip-options", "--log-uid"];
      const flags = order.filter((f) => (s.flags as string[]).includes(f));
      return { kind: "LOG", prefix: s.prefix as string, level: s.level as number, flags };
    },
  },
  NOTRACK: { tables: ["raw"], init: () => ({}), options: {}, finish: () => ({ kind: "NOTRACK", form: "NOTRACK" }) },
  CT: {
    tables: ["raw"],
    init: () => ({}),
    options: { "--notrack": flag("notrack") },
    finish(s) {
      if (!s.notrack) throw new RuleSyntaxError("CT: only --notrack is modelled");
      return { kind: "NOTRACK", form: "CT" };
    },
  },
};

function setMark(s: Record<string, unknown>, v: { value: number; mask: number }): void {
  if (s.value !== undefined) throw new RuleSyntaxError("MARK: only one mark option is allowed");
  s.value = v.value;
  s.mask = v.mask;
}
