/**
 * Reads the node namespace's conntrack table with `conntrack -L` (conntrack-tools).
 * A line looks like
 *   tcp 6 119 SYN_SENT src=10.0.0.2 dst=172.30.0.41 sport=40001 dport=80 [UNREPLIED] src=10.180.0.1 dst=10.0.0.2 sport=80 dport=40001 mark=0 use=1
 * The first src/dst/sport/dport group is the original tuple, the second the
 * reply tuple: a DNAT shows as the reply's source, a SNAT/MASQUERADE as the
 * reply's destination.
 */
import { inNs } from "./topology.ts";

/** One direction of a connection. */
export interface Tuple {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
}

/** One conntrack entry. */
export interface ConntrackEntry {
  readonly proto: "tcp" | "udp";
  readonly state?: string;
  readonly orig: Tuple;
  readonly reply: Tuple;
  readonly line: string;
}

const FIELD = /(src|dst|sport|dport)=(\S+)/g;

/** Parses `conntrack -L` output (TCP and UDP entries; others are skipped). */
export function parseConntrack(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split("\n")) {
    const proto = line.split(/\s+/, 1)[0];
    if (proto !== "tcp" && proto !== "udp") continue;
    const values: string[] = [];
    for (const m of line.matchAll(FIELD)) values.push(m[2] as string);
    if (values.length < 8) continue;
    const tuple = (i: number): Tuple => ({
      src: values[i] as string,
      dst: values[i + 1] as string,
      sport: Number(values[i + 2]),
      dport: Number(values[i + 3]),
    });
    const state = proto === "tcp" ? line.split(/\s+/)[3] : undefined;
    out.push({ proto, ...(state ? { state } : {}), orig: tuple(0), reply: tuple(4), line: line.trim() });
  }
  return out;
}

/** The key of an original tuple, as probes are looked up. */
export function tupleKey(proto: string, t: Tuple): string {
  return `${proto} ${t.src}:${t.sport} > ${t.dst}:${t.dport}`;
}

/** Lists the node's conntrack entries keyed by original tuple. */
export function listConntrack(ns: string): Map<string, ConntrackEntry> {
  const entries = parseConntrack(inNs(ns, "conntrack", ["-L"]));
  return new Map(entries.map((e) => [tupleKey(e.proto, e.orig), e]));
}

/** Empties the node's conntrack table. */
export function flushConntrack(ns: string): void {
  inNs(ns, "conntrack", ["-F"]);
}
