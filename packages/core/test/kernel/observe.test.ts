/**
 * How the harness reads the kernel's answer, without a kernel: `conntrack -L`
 * lines (as conntrack-tools 1.4.7 prints them; the samples below were printed
 * by it in the test's node namespace) and the sender's outcome.
 */
import { describe, expect, it } from "vitest";
import { parseConntrack } from "./conntrack.ts";
import { observe } from "./observe.ts";
import type { ProbePacket } from "./predict.ts";

const DNAT_MASQ =
  "udp      17 29 src=10.0.0.2 dst=172.30.0.13 sport=50313 dport=53 [UNREPLIED] src=10.180.0.1 dst=192.168.1.2 sport=8000 dport=13435 mark=0 use=1";
const LOCAL_RESET =
  "tcp      6 9 CLOSE src=192.168.0.2 dst=192.168.0.2 sport=40029 dport=29999 src=192.168.0.2 dst=192.168.0.2 sport=29999 dport=40029 [ASSURED] mark=0 use=1";
const FORWARDED =
  "tcp      6 119 SYN_SENT src=203.0.113.2 dst=198.51.100.9 sport=40002 dport=80 [UNREPLIED] src=198.51.100.9 dst=203.0.113.2 sport=80 dport=40002 mark=0 use=1";

const isNode = (ip: string) => ip === "192.168.0.2" || ip.startsWith("127.");
const probe = (src: string, sport: number, dst: string, dport: number, proto: "tcp" | "udp" = "tcp"): ProbePacket => ({
  proto,
  src,
  sport,
  dst,
  dport,
  fromNode: isNode(src),
});

describe("conntrack -L lines", () => {
  it("splits the original and reply tuples", () => {
    const [e] = parseConntrack(
      `${DNAT_MASQ}\n${LOCAL_RESET}\nconntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.\n`,
    );
    expect(e?.proto).toBe("udp");
    expect(e?.orig).toEqual({ src: "10.0.0.2", dst: "172.30.0.13", sport: 50313, dport: 53 });
    expect(e?.reply).toEqual({ src: "10.180.0.1", dst: "192.168.1.2", sport: 8000, dport: 13435 });
    expect(parseConntrack(LOCAL_RESET)[0]?.state).toBe("CLOSE");
  });
});

describe("the kernel's fate of a probe", () => {
  const [dnat, local, fwd] = [DNAT_MASQ, LOCAL_RESET, FORWARDED].map((l) => parseConntrack(l)[0]);

  it("reads DNAT from the reply source and masquerade from the reply destination", () => {
    const o = observe(probe("10.0.0.2", 50313, "172.30.0.13", 53, "udp"), dnat, { id: 1, outcome: "timeout" }, isNode);
    expect(o).toMatchObject({ kind: "dnat", dest: "10.180.0.1:8000", masq: true });
  });

  it("reads a forwarded packet without NAT as accepted", () => {
    const o = observe(probe("203.0.113.2", 40002, "198.51.100.9", 80), fwd, { id: 1, outcome: "timeout" }, isNode);
    expect(o).toMatchObject({ kind: "accept", masq: false });
  });

  it("accepts a packet to the node only when a listener answered", () => {
    const p = probe("192.168.0.2", 40029, "192.168.0.2", 29999);
    expect(observe(p, local, { id: 1, outcome: "answered" }, isNode).kind).toBe("accept");
    // Confirmed at POSTROUTING, then refused or dropped at INPUT after looping back.
    expect(observe(p, local, { id: 1, outcome: "refused" }, isNode).kind).toBe("reject");
    expect(observe(p, local, { id: 1, outcome: "timeout" }, isNode).kind).toBe("drop");
  });

  it("reads no entry as REJECT when refused and DROP when silent", () => {
    const p = probe("10.0.0.2", 40001, "172.30.0.41", 80);
    expect(observe(p, undefined, { id: 1, outcome: "refused" }, isNode).kind).toBe("reject");
    expect(observe(p, undefined, { id: 1, outcome: "timeout" }, isNode).kind).toBe("drop");
  });
});
