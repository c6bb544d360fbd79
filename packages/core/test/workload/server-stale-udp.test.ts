import { describe, expect, it } from "vitest";
import staleUdp, { withCleanup } from "../../../scenarios/src/stale-udp-conntrack.ts";
import { s } from "../../src/engine/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import type { IptablesProxy } from "../../src/proxy/index.ts";
import { prepareScenario, type RunResult, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";

const runWithSenders = (input: ScenarioInput) => runScenario(prepareScenario(input, "stale-udp-conntrack.ts"));

const conntrackOf = (run: RunResult) =>
  (run.cluster.network.node("node-a").proxy as IptablesProxy).conntrack
    .list()
    .filter((e) => e.original.proto === "UDP");

describe("stale UDP conntrack (catalogue scenario)", () => {
  it("without kube-proxy's cleanup the sender's entry outlives the Pod and its datagrams blackhole", () => {
    const run = runWithSenders(staleUdp);
    expect(run.expectations.filter((e) => !e.ok)).toEqual([]);
    const sender = run.workload.senders.get("statsd-client");
    // One socket for the whole run: 112 send() calls, one failed by the ICMP error it carried.
    expect(sender?.sent.length).toBe(112);
    expect(sender?.sent.filter((d) => d.error).map((d) => [d.t, d.error])).toEqual([[10.27e9, "ECONNREFUSED"]]);
    // One UDP entry, still DNATing to statsd-a's old address, its 30 s timeout restarted by the
    // last datagram (sent at 29.77 s, through node-a's PREROUTING after the 5 µs veth). why: nf_conntrack_proto_udp — an entry never replied to keeps
    // nf_conntrack_udp_timeout (30 s), refreshed by every packet (nf_ct_refresh_acct).
    const entries = conntrackOf(run);
    expect(entries.length).toBe(1);
    expect(entries[0]?.reply.src).toBe(parseIPv4("10.244.2.2"));
    expect(entries[0]?.deadline).toBe(29.77e9 + 5_000 + s(30));
  });

  it("with the cleanup on, the flow moves to the live Pod at the sync that sees the old one gone", () => {
    const run = runWithSenders(withCleanup);
    expect(run.expectations.filter((e) => !e.ok)).toEqual([]);
  });

  it("the expectations of each variant fail on the other", () => {
    const off = runWithSenders({
      ...withCleanup,
      cluster: { ...withCleanup.cluster, proxy: { mode: "iptables", udpConntrackCleanup: false } },
    });
    expect(off.expectations.filter((e) => !e.ok).length).toBeGreaterThanOrEqual(3);
    const input = staleUdp;
    const on = runWithSenders({
      ...input,
      cluster: { ...input.cluster, proxy: { mode: "iptables", udpConntrackCleanup: true } },
    });
    expect(on.expectations.filter((e) => !e.ok).length).toBeGreaterThanOrEqual(3);
  });
});
