import { type MatchModule, mod, type OptionSpec } from "./match-module.ts";
import { parseHost, parseUint, RuleSyntaxError } from "./parse-values.ts";
import type { Match, RecentCommand } from "./types.ts";

type RecentState = Omit<Match & { kind: "recent" }, "kind" | "command"> & { command?: RecentCommand };
const recentCmd = (command: RecentCommand): OptionSpec<RecentState> => ({
  invertible: true,
  parse(s, c) {
    if (s.command) throw new RuleSyntaxError("recent accepts only one of --set, --rcheck, --update, --remove");
    s.command = command;
    if (c.invert) s.invert = true;
  },
});

type StatState = { mode?: string; probability?: number; every?: number; packet?: number; invert: boolean };

/** The match extensions that keep kernel state between packets: statistic and recent. */
export const STATEFUL_MATCH_MODULES: Readonly<Record<string, MatchModule<unknown>>> = {
  statistic: mod<StatState>({
    init: () => ({ invert: false }),
    options: {
      "--mode": { parse: (s, c) => (s.mode = c.value()) },
      "--probability": {
        invertible: true,
        parse(s, c) {
          const text = c.value();
          const p = Number(text);
          if (!/^[0-9.eE+-]+$/.test(text) || !(p >= 0 && p <= 1)) {
            throw new RuleSyntaxError(`expected a probability between 0 and 1, got "${text}"`);
          }
          // why: libxt_statistic.c statistic_parse — probability = lround(0x80000000 * p).
          s.probability = Math.round(p * 0x80000000);
          if (c.invert) s.invert = true;
        },
      },
      "--every": {
        invertible: true,
        parse(s, c) {
          s.every = parseUint(c.value(), "a packet count ≥ 1");
          if (s.every < 1) throw new RuleSyntaxError("--every must be at least 1");
          if (c.invert) s.invert = true;
        },
      },
      "--packet": { parse: (s, c) => (s.packet = parseUint(c.value(), "a packet number")) },
    },
    finish(s) {
      if (s.mode === "random") {
        if (s.probability === undefined) {
          throw new RuleSyntaxError("--probability must be specified when using random mode");
        }
        return { kind: "statistic", mode: "random", invert: s.invert, probability: s.probability };
      }
      if (s.mode === "nth") {
        if (s.every === undefined) throw new RuleSyntaxError("--every must be specified when using nth mode");
        const packet = s.packet ?? 0;
        if (packet > s.every - 1) throw new RuleSyntaxError("the --packet p must be 0 <= p <= n-1");
        return { kind: "statistic", mode: "nth", invert: s.invert, every: s.every, packet };
      }
      throw new RuleSyntaxError(s.mode === undefined ? "statistic needs --mode" : `bad statistic mode "${s.mode}"`);
    },
  }),
  recent: mod<RecentState>({
    // why: libxt_recent.c recent_init — name DEFAULT, side source, mask all-ones.
    init: () => ({
      invert: false,
      seconds: 0,
      hitcount: 0,
      reap: false,
      rttl: false,
      name: "DEFAULT",
      mask: 0xffffffff,
      side: "source",
    }),
    options: {
      "--set": recentCmd("set"),
      "--rcheck": recentCmd("rcheck"),
      "--update": recentCmd("update"),
      "--remove": recentCmd("remove"),
      "--seconds": { parse: (s, c) => (s.seconds = parseUint(c.value(), "a number of seconds")) },
      "--reap": { parse: (s) => (s.reap = true) },
      "--hitcount": { parse: (s, c) => (s.hitcount = parseUint(c.value(), "a hit count")) },
      "--rttl": { parse: (s) => (s.rttl = true) },
      "--name": { parse: (s, c) => (s.name = c.value()) },
      "--rsource": { parse: (s) => (s.side = "source") },
      "--rdest": { parse: (s) => (s.side = "dest") },
      "--mask": { parse: (s, c) => (s.mask = parseHost(c.value(), "a netmask")) },
    },
    finish(s) {
      const { command } = s;
      if (!command) throw new RuleSyntaxError("recent: you must specify one of --set, --rcheck, --update or --remove");
      // why: xt_recent.c recent_mt_check — --reap needs --seconds; set/remove take no modifiers;
      // hitcount may not exceed ip_pkt_list_tot (20).
      if (s.reap && s.seconds === 0) throw new RuleSyntaxError("recent: --reap needs --seconds");
      if ((command === "set" || command === "remove") && (s.seconds || s.hitcount || s.rttl || s.reap)) {
        throw new RuleSyntaxError(`recent: --${command} takes no --seconds, --hitcount, --rttl or --reap`);
      }
      if (s.hitcount > 20) throw new RuleSyntaxError("recent: --hitcount may not exceed 20 (ip_pkt_list_tot)");
      return { kind: "recent", ...s, command };
    },
  }),
};
