import { describe, expect, it } from "vitest";
import type { Nanos } from "../../src/engine/index.ts";
import { eventNode, filterEvents, flowPacketIds, type TraceEvent } from "../../src/trace/index.ts";
import { ALL_SAMPLES, SAMPLES, SYN } from "./samples.ts";

describe("event filters", () => {
  it("names the node of every event, api and - for node-less ones", () => {
    expect(eventNode(SAMPLES.api)).toBe("api");
    expect(eventNode(SAMPLES.action)).toBe("-");
    expect(eventNode(SAMPLES.sync)).toBe("node-b");
  });

  it("keeps events by packet, kind, node and time window, in order", () => {
    expect(filterEvents(ALL_SAMPLES, { packetIds: [17] })).toHaveLength(9);
    expect(filterEvents(ALL_SAMPLES, { types: ["api", "sync"] }).map((e) => e.type)).toEqual(["api", "sync"]);
    expect(filterEvents(ALL_SAMPLES, { nodes: ["node-b"] }).map((e) => e.type)).toEqual([
      "pkt.recv",
      "sync",
      "pkt.drop",
    ]);
    const window = filterEvents(ALL_SAMPLES, { from: 121_000 as Nanos, until: 122_000 as Nanos });
    expect(window.map((e) => e.type)).toEqual(["pkt.hook", "nf.rule", "lb.pick"]);
  });

  it("finds a connection's packets through DNAT and in reply", () => {
    // The reply leaves the backend as 10.244.2.7:8080 > 10.244.1.5:40000 and is
    // un-DNATed on the client's node to 10.96.0.10:80 > 10.244.1.5:40000.
    const reply = { id: 18, proto: "TCP", src: "10.244.2.7:8080", dst: "10.244.1.5:40000", flags: "S.", len: 60 };
    const unDnat = { ...reply, src: "10.96.0.10:80" };
    const unrelated = { ...SYN, id: 19, src: "10.244.1.5:40001" };
    const events: TraceEvent[] = [
      SAMPLES["pkt.send"],
      SAMPLES.nat,
      { ...SAMPLES["pkt.send"], t: 300_000 as Nanos, from: "web-backend-2", pkt: reply },
      { ...SAMPLES["pkt.recv"], t: 400_000 as Nanos, at: "web-1", pkt: unDnat },
      { ...SAMPLES["pkt.send"], t: 500_000 as Nanos, pkt: unrelated },
    ];
    expect(flowPacketIds(events, "TCP", "10.244.1.5:40000", "10.96.0.10:80")).toEqual([17, 18]);
  });
});
