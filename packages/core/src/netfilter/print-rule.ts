import { formatIPv4 } from "../net/index.ts";
import { formatAddrTypes, formatStates } from "./parse-names.ts";
import { protoName } from "./parse-values.ts";
import { IP_PART_KINDS, type Match, type NatRange, type PortRange, type Rule, type Target } from "./types.ts";

/**
 * Quotes a string as iptables-save does: bare when it is only
 * `[A-Za-z0-9_-]`, else in double quotes with `"`, `\` and `'` escaped.
 * Returns it with the leading space xtables_save_string prints.
 */
// why: libxtables/xtables.c xtables_save_string.
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return ` ${value}`;
  return ` "${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/**
 * Formats the kernel's 31-bit probability as iptables-save does, `%.11f` of
 * probability / 2^31 (exactly, with printf's round-half-even), e.g. kube-proxy's
 * `0.3333333333` is stored as 715827883 and printed back as `0.33333333349`.
 */
// why: libxt_statistic.c print_match — "%.11f", 1.0 * probability / 0x80000000.
export function formatProbability(probability: number): string {
  const scaled = BigInt(probability) * 10n ** 11n;
  let q = scaled >> 31n;
  const rem = scaled & 0x7fffffffn;
  if (rem > 0x40000000n || (rem === 0x40000000n && (q & 1n) === 1n)) q += 1n;
  const digits = q.toString().padStart(12, "0");
  return `${digits.slice(0, -11)}.${digits.slice(-11)}`;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

function ports(p: PortRange, sep: string): string {
  return p.lo === p.hi ? `${p.lo}` : `${p.lo}${sep}${p.hi}`;
}

function not(invert: boolean): string {
  return invert ? " !" : "";
}

function natRange(r: NatRange): string {
  let s = formatIPv4(r.minIp);
  if (r.maxIp !== r.minIp) s += `-${formatIPv4(r.maxIp)}`;
  if (r.ports) s += `:${ports(r.ports, "-")}`;
  return s;
}

/** One match as iptables-save prints it, with its leading space (and `-m name` for extensions). */
export function formatMatch(m: Match): string {
  switch (m.kind) {
    case "source":
      return `${not(m.invert)} -s ${formatIPv4(m.cidr.base)}/${m.cidr.bits}`;
    case "destination":
      return `${not(m.invert)} -d ${formatIPv4(m.cidr.base)}/${m.cidr.bits}`;
    case "inInterface":
      return `${not(m.invert)} -i ${m.name}`;
    case "outInterface":
      return `${not(m.invert)} -o ${m.name}`;
    case "protocol":
      return `${not(m.invert)} -p ${protoName(m.proto) ?? m.proto}`;
    case "tcp":
    case "udp":
    case "sctp": {
      let s = ` -m ${m.kind}`;
      if (m.sport) s += `${not(m.sport.invert)} --sport ${ports(m.sport, ":")}`;
      if (m.dport) s += `${not(m.dport.invert)} --dport ${ports(m.dport, ":")}`;
      return s;
    }
    case "multiport":
      return ` -m multiport${not(m.invert)} --${m.direction} ${m.ports.map((p) => ports(p, ":")).join(",")}`;
    case "comment":
      return ` -m comment --comment${saveString(m.comment)}`;
    case "addrtype": {
      let s = " -m addrtype";
      if (m.src) s += `${not(m.src.invert)} --src-type ${formatAddrTypes(m.src.types)}`;
      if (m.dst) s += `${not(m.dst.invert)} --dst-type ${formatAddrTypes(m.dst.types)}`;
      if (m.limitIfaceIn) s += " --limit-iface-in";
      if (m.limitIfaceOut) s += " --limit-iface-out";
      return s;
    }
    case "mark":
      return ` -m mark${not(m.invert)} --mark ${hex(m.value)}${m.mask === 0xffffffff ? "" : `/${hex(m.mask)}`}`;
    case "statistic":
      return m.mode === "random"
        ? ` -m statistic --mode random${not(m.invert)} --probability ${formatProbability(m.probability)}`
        : ` -m statistic --mode nth${not(m.invert)} --every ${m.every} --packet ${m.packet}`;
    case "recent":
      return formatRecent(m);
    case "conntrack":
      return ` -m conntrack${not(m.invert)} --ctstate ${formatStates(m.states)}`;
    case "state":
      return ` -m state${not(m.invert)} --state ${formatStates(m.states)}`;
    case "set":
      return ` -m set${not(m.invert)} --match-set ${m.name} ${m.dirs.join(",")}`;
    case "nfacct":
      // why: libxt_nfacct.c prints " --nfacct-name " then xtables_save_string adds
      // its own space: real dumps read "--nfacct-name  localhost_nps_accepted_pkts".
      return ` -m nfacct --nfacct-name ${saveString(m.name)}`;
  }
}

// why: libxt_recent.c recent_save prints options in this fixed order.
function formatRecent(m: Match & { kind: "recent" }): string {
  let s = ` -m recent${not(m.invert)} --${m.command}`;
  if (m.seconds) s += ` --seconds ${m.seconds}`;
  if (m.reap) s += " --reap";
  if (m.hitcount) s += ` --hitcount ${m.hitcount}`;
  if (m.rttl) s += " --rttl";
  s += ` --name ${m.name} --mask ${formatIPv4(m.mask)}`;
  return s + (m.side === "source" ? " --rsource" : " --rdest");
}

/** The target as iptables-save prints it, with its leading space; empty for none. */
export function formatTarget(t: Target): string {
  switch (t.kind) {
    case "none":
      return "";
    case "jump":
      return ` -j ${t.chain}`;
    case "goto":
      return ` -g ${t.chain}`;
    case "ACCEPT":
    case "DROP":
    case "RETURN":
      return ` -j ${t.kind}`;
    case "REJECT":
      return ` -j REJECT --reject-with ${t.with}`;
    case "DNAT":
      return ` -j DNAT --to-destination ${natRange(t.range)}${t.random ? " --random" : ""}${t.persistent ? " --persistent" : ""}`;
    case "SNAT": {
      const flags = `${t.random ? " --random" : ""}${t.randomFully ? " --random-fully" : ""}${t.persistent ? " --persistent" : ""}`;
      return ` -j SNAT --to-source ${natRange(t.range)}${flags}`;
    }
    case "MASQUERADE": {
      const to = t.ports ? ` --to-ports ${ports(t.ports, "-")}` : "";
      return ` -j MASQUERADE${to}${t.random ? " --random" : ""}${t.randomFully ? " --random-fully" : ""}`;
    }
    case "MARK":
      // why: libxt_MARK.c mark_tg_save prints the kernel form; the mask only when not all-ones.
      return ` -j MARK --set-xmark ${hex(t.value)}${t.mask === 0xffffffff ? "" : `/${hex(t.mask)}`}`;
    case "LOG": {
      let s = " -j LOG";
      if (t.prefix !== "") s += ` --log-prefix${saveString(t.prefix)}`;
      // why: LOG_WARNING (4) is the default level and is not saved.
      if (t.level !== 4) s += ` --log-level ${t.level}`;
      return s + t.flags.map((f) => ` ${f}`).join("");
    }
    case "NOTRACK":
      return t.form === "CT" ? " -j CT --notrack" : " -j NOTRACK";
  }
}

/**
 * A rule's words after `-A CHAIN` in iptables-save's canonical form: the IP
 * part (-s -d -i -o -p) first, then each extension match in rule order,
 * then the target.
 */
// why: iptables.c print_rule4 — print_ip, print_iface, print_proto, then
// IPT_MATCH_ITERATE(print_match_save), then the target.
export function formatRuleCanonical(rule: Rule): string {
  let s = "";
  for (const kind of ["source", "destination", "inInterface", "outInterface", "protocol"] as const) {
    const m = rule.matches.find((x) => x.kind === kind);
    // why: print_ip skips a non-negated 0.0.0.0/0 (it matches everything).
    if (m && !((m.kind === "source" || m.kind === "destination") && m.cidr.bits === 0 && !m.invert)) {
      s += formatMatch(m);
    }
  }
  for (const m of rule.matches) if (!IP_PART_KINDS.has(m.kind)) s += formatMatch(m);
  return (s + formatTarget(rule.target)).replace(/^ /, "");
}

/** The full `-A CHAIN …` line of a rule: its source text when kept and `preserve` is set, else canonical. */
export function formatRuleLine(chain: string, rule: Rule, preserve: boolean): string {
  const body = preserve && rule.source !== undefined ? rule.source : formatRuleCanonical(rule);
  return body === "" ? `-A ${chain}` : `-A ${chain} ${body}`;
}
