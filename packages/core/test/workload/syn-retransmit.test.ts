import { describe, expect, it } from "vitest";
import { s } from "../../src/engine/index.ts";
import { ICMP, icmpErrorFor, TCP } from "../../src/net/index.ts";
import { type TcpErrno, TcpStack } from "../../src/workload/index.ts";
import { SERVER_IP, wire } from "./helpers.ts";

/** A wire that drops every segment the client sends (a DROP rule, a blackhole). */
function blackhole(config: { synLinearTimeouts?: number; synRetries?: number } = {}) {
  const w = wire({ filter: (pkt) => (pkt.src === SERVER_IP ? "deliver" : "drop") });
  const errors: { errno: TcpErrno; t: number }[] = [];
  const sock = TcpStack.of(w.client, w.sched, w.rng, config).connect(SERVER_IP, 80, {
    handlers: { error: (errno) => errors.push({ errno, t: w.sched.now }) },
  });
  return { w, errors, sock };
}

const synTimes = (w: ReturnType<typeof wire>) => w.log.filter((r) => r.flags === "S").map((r) => r.t / 1e9);

describe("SYN retransmission (tcp_retransmit_timer, tcp_write_timeout)", () => {
  it("retransmits the SYN at 1, 3, 7, 15, 31 and 63 s and fails with ETIMEDOUT at 127 s", () => {
    const { w, errors, sock } = blackhole();
    w.sched.runUntil(s(300));
    // TCP_TIMEOUT_INIT = 1 s doubling per timeout; tcp_syn_retries = 6
    // retransmissions; the 7th timeout (1+2+4+…+64 = 127 s) finds
    // icsk_retransmits ≥ 6 and reports ETIMEDOUT (tcp(7): "about 127 seconds").
    expect(synTimes(w)).toEqual([0, 1, 3, 7, 15, 31, 63]);
    expect(errors).toEqual([{ errno: "ETIMEDOUT", t: 127e9 }]);
    expect(sock?.state).toBe("CLOSED");
    expect(sock?.retransmissions).toBe(6);
    // The retransmitted SYN is the same segment: same ISN.
    expect(new Set(w.log.map((r) => r.seq)).size).toBe(1);
  });

  it("keeps the first SYN timeouts linear with tcp_syn_linear_timeouts = 4 (Linux ≥ 6.5): fails at 131 s", () => {
    const { w, errors } = blackhole({ synLinearTimeouts: 4 });
    w.sched.runUntil(s(300));
    // The RTO stays 1 s while icsk_backoff ≤ 4, then doubles: 1,2,3,4,5, then
    // +2, +4, +8, +16, +32; max_retransmits = 6 + 4 = 10, the 11th timeout
    // (67 + 64 s) fails.
    expect(synTimes(w)).toEqual([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    expect(errors).toEqual([{ errno: "ETIMEDOUT", t: 131e9 }]);
  });

  it("honours a smaller tcp_syn_retries", () => {
    const { w, errors } = blackhole({ synRetries: 2 });
    w.sched.runUntil(s(30));
    // 2 retransmissions (1 s, 3 s), failure at 1 + 2 + 4 = 7 s.
    expect(synTimes(w)).toEqual([0, 1, 3]);
    expect(errors.map((e) => e.t)).toEqual([7e9]);
  });

  it("retransmits a lost SYN-ACK at 1, 3, 7, 15, 31 s and drops the request silently at 63 s", () => {
    const w = wire({ filter: (pkt) => (pkt.src === SERVER_IP ? "drop" : "deliver") });
    TcpStack.of(w.server, w.sched, w.rng).listen(80, () => {});
    // The client gives up after one SYN so that only the server retransmits.
    TcpStack.of(w.client, w.sched, w.rng, { synRetries: 1 }).connect(SERVER_IP, 80);
    w.sched.runUntil(s(200));
    const synAcks = w.log.filter((r) => r.flags === "S.").map((r) => (r.t - 100_000) / 1e9);
    // tcp_synack_retries = 5; reqsk_timer_handler: timeo = TCP_TIMEOUT_INIT << num_timeout.
    // Times are relative to the first SYN-ACK (the SYN took 100 µs to arrive);
    // the client's retransmitted SYN at 1 s draws one extra SYN-ACK (tcp_check_req).
    expect(synAcks).toEqual([0, 1, 1, 3, 7, 15, 31]);
    // No RST when the request expires.
    expect(w.log.some((r) => r.pkt.flags & TCP.RST)).toBe(false);
  });
});

describe("refused and unreachable while connecting", () => {
  it("ends with ECONNREFUSED at once when the SYN is answered by RST (nothing listens)", () => {
    const w = wire();
    const errors: [TcpErrno, number][] = [];
    TcpStack.of(w.client, w.sched, w.rng).connect(SERVER_IP, 81, {
      handlers: { error: (errno) => errors.push([errno, w.sched.now]) },
    });
    w.sched.runUntil(s(10));
    // One round trip (2 × 100 µs): SYN, then the server kernel's RST|ACK (tcp_v4_send_reset).
    expect(w.log.map((r) => r.flags)).toEqual(["S", "R."]);
    expect(errors).toEqual([["ECONNREFUSED", 200_000]]);
  });

  it("ends with ECONNREFUSED on ICMP port unreachable, EHOSTUNREACH on host unreachable (tcp_v4_err)", () => {
    for (const [code, errno] of [
      [ICMP.PORT_UNREACH, "ECONNREFUSED"],
      [ICMP.HOST_UNREACH, "EHOSTUNREACH"],
      [ICMP.NET_UNREACH, "ENETUNREACH"],
    ] as const) {
      // A REJECT on the path: the SYN is dropped and an ICMP error comes back.
      const w = wire({
        filter: (pkt) => {
          if (pkt.proto !== "TCP" || pkt.src === SERVER_IP) return "deliver";
          const err = icmpErrorFor(w.ids, pkt, ICMP.DEST_UNREACH, code, SERVER_IP);
          if (err) w.server.send(err);
          return "drop";
        },
      });
      const errors: [TcpErrno, number][] = [];
      TcpStack.of(w.client, w.sched, w.rng).connect(SERVER_IP, 80, {
        handlers: { error: (e) => errors.push([e, w.sched.now]) },
      });
      w.sched.runUntil(s(10));
      expect(errors).toEqual([[errno, 100_000]]);
    }
  });
});
