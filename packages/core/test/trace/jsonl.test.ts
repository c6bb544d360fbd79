import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/engine/index.ts";
import { eventToJson, parseJsonl, type TraceEvent, toJsonl, writeJsonl } from "../../src/trace/index.ts";
import { ALL_SAMPLES, SAMPLES, SYN } from "./samples.ts";

/** The same object with its keys inserted in reverse order (and the packet's too). */
function shuffledKeys<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse()) {
    const v = (value as Record<string, unknown>)[key];
    out[key] = typeof v === "object" && v !== null ? shuffledKeys(v) : v;
  }
  return out as T;
}

describe("JSONL export", () => {
  it("writes one JSON object per line, each ending in a newline", () => {
    const text = toJsonl(ALL_SAMPLES);
    const lines = text.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.length - 1).toBe(ALL_SAMPLES.length);
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("puts type, t, node first and t as integer nanoseconds", () => {
    const line = eventToJson(SAMPLES["pkt.drop"]);
    expect(line.startsWith('{"type":"pkt.drop","t":12000250000,"node":"node-b",')).toBe(true);
    expect(Object.keys(JSON.parse(eventToJson(SAMPLES.api))).slice(0, 2)).toEqual(["type", "t"]);
  });

  it("is byte-identical for the same events whatever order their keys were set in", () => {
    const again = ALL_SAMPLES.map((ev) => shuffledKeys(ev));
    expect(JSON.stringify(again[0])).not.toBe(JSON.stringify(ALL_SAMPLES[0]));
    expect(toJsonl(again)).toBe(toJsonl(ALL_SAMPLES));
  });

  it("orders a packet's fields id, proto, src, dst, flags, len", () => {
    const line = eventToJson({ ...SAMPLES["pkt.hook"], pkt: shuffledKeys(SYN) });
    expect(line).toContain(
      '"pkt":{"id":17,"proto":"TCP","src":"10.244.1.5:40000","dst":"10.96.0.10:80","flags":"S","len":60}',
    );
  });

  it("omits optional fields that are undefined", () => {
    const line = eventToJson({ ...SAMPLES["pkt.route"], via: undefined });
    expect(line).not.toContain("via");
  });

  it("streams the same bytes through writeJsonl", () => {
    const chunks: string[] = [];
    writeJsonl(ALL_SAMPLES, (line) => chunks.push(line));
    expect(chunks).toHaveLength(ALL_SAMPLES.length);
    expect(chunks.join("")).toBe(toJsonl(ALL_SAMPLES));
  });

  it("round-trips every kind through parseJsonl", () => {
    expect(parseJsonl(toJsonl(ALL_SAMPLES))).toEqual(ALL_SAMPLES);
  });

  it("round-trips any subsequence and order of events (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALL_SAMPLES), { maxLength: 40 }), (events: TraceEvent[]) => {
        const text = toJsonl(events);
        expect(parseJsonl(text)).toEqual(events);
        expect(toJsonl(parseJsonl(text))).toBe(text);
      }),
    );
  });

  it("names the file and line of a bad line", () => {
    const text = `${eventToJson(SAMPLES.api)}\n{"type":"pkt.teleport","t":1}\nnot json\n{"type":"api","t":-5}\n`;
    let error: unknown;
    try {
      parseJsonl(text, "run.jsonl");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^run\.jsonl:2: "type": expected one of .*pkt\.send/);
    expect(problems[1]).toMatch(/^run\.jsonl:3: expected one JSON object per line/);
    expect(problems[2]).toMatch(/^run\.jsonl:4: "t": expected a non-negative integer/);
  });
});
