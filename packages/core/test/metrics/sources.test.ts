import { describe, expect, it } from "vitest";
import { formatSources, SourceCounter, summarize } from "../../src/metrics/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import { PacketStats } from "../../src/trace/index.ts";
import type { ServedSource } from "../../src/workload/index.ts";

const src = (client: string, peer = client, proxied = false): ServedSource => ({
  peer: parseIPv4(peer),
  peerPort: 1000,
  client: parseIPv4(client),
  clientPort: 2000,
  proxied,
});

describe("per-Pod sources", () => {
  it("counts by the address the application saw, and separately by the transport peer", () => {
    const counter = new SourceCounter();
    // Two requests proxied by a load balancer at 10.0.0.5 for 203.0.113.7, one direct
    // from a node after MASQUERADE, and one to another Pod.
    counter.record("default/web-1", src("203.0.113.7", "10.0.0.5", true));
    counter.record("default/web-1", src("203.0.113.7", "10.0.0.5", true));
    counter.record("default/web-1", src("192.168.0.10"));
    counter.record("default/web-2", src("203.0.113.9"));
    expect(counter.sources().get("default/web-1")).toEqual({ "192.168.0.10": 1, "203.0.113.7": 2 });
    // Numeric address order, not text order: 192.… before 203.…
    expect(Object.keys(counter.sources().get("default/web-1") ?? {})).toEqual(["192.168.0.10", "203.0.113.7"]);
    expect(counter.peers().get("default/web-1")).toEqual({ "10.0.0.5": 2, "192.168.0.10": 1 });
    expect(formatSources(counter.sources().get("default/web-1") ?? {})).toBe("203.0.113.7 ×2, 192.168.0.10 ×1");
    expect(formatSources({})).toBe("-");
  });

  it("lands at metrics.pods.<pod>.sources when the run passes them, and is absent otherwise", () => {
    const counter = new SourceCounter();
    counter.record("default/web-1", src("203.0.113.7"));
    const served = new Map([["default/web-1", 1]]);
    const pods = ["default/web-1", "default/web-2"];
    const withSources = summarize(new PacketStats(), [], served, pods, 0, { sources: counter.sources() });
    expect(withSources.pods["web-1"]?.sources).toEqual({ "203.0.113.7": 1 });
    // A Pod that served nothing shows an empty table, not a missing one.
    expect(withSources.pods["web-2"]?.sources).toEqual({});
    const without = summarize(new PacketStats(), [], served, pods, 0);
    expect(without.pods["web-1"]).not.toHaveProperty("sources");
  });
});
