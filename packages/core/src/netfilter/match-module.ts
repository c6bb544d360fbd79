import type { Match } from "./types.ts";

/** What an option handler gets: its value(s) and whether `!` preceded it. */
export interface OptionCall {
  readonly option: string;
  readonly invert: boolean;
  /** The next word, as the option's argument. */
  value(): string;
}

/** An option of an extension: whether it may be negated, and its parser. */
export interface OptionSpec<S> {
  invertible?: boolean;
  parse(state: S, call: OptionCall): void;
}

/** What a match may check once the whole rule is read. */
export interface RuleFacts {
  /** The `-p` protocol number (0 for none or `all`) and whether it was negated. */
  proto: number;
  protoInvert: boolean;
}

/** An iptables match extension (`-m name`): its options and final check. */
export interface MatchModule<S = unknown> {
  init(): S;
  options: Record<string, OptionSpec<S>>;
  finish(state: S, facts: RuleFacts): Match;
}

/** Erases a module's state type so modules of different states share one registry. */
export function mod<S>(m: MatchModule<S>): MatchModule<unknown> {
  return m as unknown as MatchModule<unknown>;
}
