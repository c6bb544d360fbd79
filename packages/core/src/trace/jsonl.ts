import { InputError } from "../engine/index.ts";
import { EVENT_LEVEL, type TraceEvent, type TraceEventType, type TracePacket } from "./events.ts";

/**
 * Key order of each event kind in JSONL, after `type` and `t` (and `node`
 * first among these where the kind has one). A fixed order makes the same
 * events give byte-identical files whatever order a model filled its fields
 * in; keys not listed (none today) follow, sorted, so nothing is ever lost.
 */
const FIELD_ORDER: { readonly [K in TraceEventType]: readonly string[] } = {
  "pkt.send": ["node", "from", "pkt"],
  "pkt.recv": ["node", "at", "pkt"],
  "pkt.drop": ["node", "pkt", "reason", "where"],
  "pkt.route": ["node", "pkt", "dev", "via", "local"],
  "pkt.hook": ["node", "pkt", "hook"],
  "nf.rule": ["node", "pkt", "table", "chain", "index", "rule"],
  ct: ["node", "pkt", "op", "tuple", "reply", "state", "timeout"],
  nat: ["node", "pkt", "kind", "from", "to"],
  "lb.pick": ["node", "pkt", "service", "endpoint", "candidates", "via"],
  "lb.health": ["node", "service", "target", "check", "from", "to", "result"],
  sync: ["node", "proxy", "full", "services", "endpoints", "written"],
  api: ["verb", "kind", "name", "note"],
  action: ["action", "detail"],
  fault: ["node", "fault", "detail"],
};

const PACKET_ORDER = ["id", "proto", "src", "dst", "flags", "len", "proxy"] as const;

/** Copies `source`'s defined keys into a new object in `order`, then any others sorted. */
function ordered(source: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  const extra = Object.keys(source)
    .filter((k) => !order.includes(k) && source[k] !== undefined)
    .sort();
  for (const key of extra) out[key] = source[key];
  return out;
}

/** One event as one line of JSON (no newline), keys in the fixed order; `t` is integer nanoseconds. */
export function eventToJson(event: TraceEvent): string {
  const record = event as unknown as Record<string, unknown>;
  const body = ordered(record, ["type", "t", ...FIELD_ORDER[event.type]]);
  if (record.pkt !== undefined) body.pkt = ordered(record.pkt as Record<string, unknown>, PACKET_ORDER);
  return JSON.stringify(body);
}

/** Streams events as JSONL: calls `write` once per event with its line, newline included. */
export function writeJsonl(events: Iterable<TraceEvent>, write: (line: string) => void): void {
  for (const event of events) write(`${eventToJson(event)}\n`);
}

/** Events as a JSONL document: one JSON object per line, each line ending in `\n`. */
export function toJsonl(events: Iterable<TraceEvent>): string {
  const lines: string[] = [];
  writeJsonl(events, (line) => lines.push(line));
  return lines.join("");
}

function isPacket(value: unknown): value is TracePacket {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(p.id) &&
    typeof p.proto === "string" &&
    typeof p.src === "string" &&
    typeof p.dst === "string" &&
    typeof p.len === "number"
  );
}

/** Why one parsed line is not a trace event, or undefined when it is one. */
function problemWith(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "expected a JSON object";
  const v = value as Record<string, unknown>;
  if (typeof v.type !== "string" || !Object.hasOwn(EVENT_LEVEL, v.type)) {
    return `"type": expected one of ${Object.keys(EVENT_LEVEL).join(", ")}, got ${JSON.stringify(v.type)}`;
  }
  if (!Number.isSafeInteger(v.t) || (v.t as number) < 0) {
    return `"t": expected a non-negative integer number of nanoseconds, got ${JSON.stringify(v.t)}`;
  }
  if (v.pkt !== undefined && !isPacket(v.pkt)) return `"pkt": expected {id, proto, src, dst, len}`;
  return undefined;
}

/**
 * Reads a JSONL trace back into events (the inverse of {@link toJsonl}).
 * Blank lines are skipped. A line that is not a trace event throws an
 * `InputError` naming `file`, the line number and what was expected; the
 * kind-specific fields are trusted, as the file is our own output.
 */
export function parseJsonl(text: string, file = "<trace.jsonl>"): TraceEvent[] {
  const events: TraceEvent[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(`${file}:${i + 1}: expected one JSON object per line: ${(err as Error).message}`);
      return;
    }
    const problem = problemWith(value);
    if (problem) problems.push(`${file}:${i + 1}: ${problem}`);
    else events.push(value as TraceEvent);
  });
  if (problems.length > 0) throw new InputError(problems);
  return events;
}
