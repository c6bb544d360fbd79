import { describe, expect, it } from "vitest";
import { type TraceEventType, type TraceLevel, TraceRecorder } from "../../src/trace/index.ts";
import { ALL_SAMPLES } from "./samples.ts";

// What each level keeps, from DESIGN.md "Principles" 5 and TraceLevel's contract:
// flow = what changes a flow's fate (drops, backend picks, syncs, API changes,
// timeline actions); packet adds every hop (send, recv, route, hook, conntrack,
// NAT); rule adds each matching netfilter rule.
const FLOW: TraceEventType[] = ["pkt.drop", "lb.pick", "lb.health", "sync", "api", "action", "fault"];
const PACKET: TraceEventType[] = [...FLOW, "pkt.send", "pkt.recv", "pkt.route", "pkt.hook", "ct", "nat"];
const RULE: TraceEventType[] = [...PACKET, "nf.rule"];
const KEPT: Record<TraceLevel, TraceEventType[]> = { off: [], flow: FLOW, packet: PACKET, rule: RULE };

describe("TraceRecorder levels", () => {
  it.each(Object.keys(KEPT) as TraceLevel[])("at %s keeps exactly its kinds, in order", (level) => {
    const recorder = new TraceRecorder(level);
    for (const ev of ALL_SAMPLES) recorder.emit(ev);
    const kept = new Set(KEPT[level]);
    expect(recorder.events).toEqual(ALL_SAMPLES.filter((ev) => kept.has(ev.type)));
    for (const ev of ALL_SAMPLES) expect(recorder.wants(ev.type)).toBe(kept.has(ev.type));
  });

  it("defaults to packet level", () => {
    expect(new TraceRecorder().level).toBe("packet");
  });
});
