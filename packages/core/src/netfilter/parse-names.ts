import { RuleSyntaxError } from "./parse-values.ts";
import { ADDR_TYPES, CT_STATE_BITS, type CtStateMask } from "./types.ts";

/**
 * Parses `--src-type`/`--dst-type` lists such as `LOCAL` or `local,BROADCAST`
 * into a mask over ADDR_TYPES. Like libxt_addrtype.c parse_type, a name
 * matches case-insensitively and by prefix (`loc` is LOCAL).
 */
export function parseAddrTypes(text: string): number {
  let mask = 0;
  for (const part of text.split(",")) {
    const upper = part.toUpperCase();
    const i = part === "" ? -1 : ADDR_TYPES.findIndex((t) => t.startsWith(upper));
    if (i < 0) throw new RuleSyntaxError(`addrtype: bad type "${part}"`);
    mask |= 1 << i;
  }
  return mask;
}

/** Formats an address-type mask as iptables-save does: names in RTN order, comma-separated. */
export function formatAddrTypes(mask: number): string {
  return ADDR_TYPES.filter((_, i) => mask & (1 << i)).join(",");
}

const STATE_ORDER = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"] as const;

/**
 * Parses a `--ctstate` (or `--state`) list into the kernel's state mask.
 * `withNat` allows the virtual SNAT and DNAT states, which only
 * `-m conntrack` knows.
 */
export function parseStates(text: string, withNat: boolean): CtStateMask {
  let mask = 0;
  for (const part of text.split(",")) {
    const name = part.toUpperCase() as keyof typeof CT_STATE_BITS;
    const bit = CT_STATE_BITS[name];
    if (bit === undefined || (!withNat && (name === "SNAT" || name === "DNAT"))) {
      throw new RuleSyntaxError(`bad ctstate "${part}" (expected ${STATE_ORDER.join(", ")})`);
    }
    mask |= bit;
  }
  return mask;
}

/** Formats a state mask in libxt_conntrack.c print_state order: INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT. */
export function formatStates(mask: CtStateMask): string {
  return STATE_ORDER.filter((s) => mask & CT_STATE_BITS[s]).join(",");
}
