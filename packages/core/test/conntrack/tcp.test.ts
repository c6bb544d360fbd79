import { describe, expect, it } from "vitest";
import {
  Conntrack,
  type CtEntry,
  IPS,
  kubeProxyConntrackConfig,
  LINUX_TIMEOUTS,
  linuxConntrackConfig,
  TCP_STATE_NAMES,
} from "../../src/conntrack/index.ts";
import { ACK, FINACK, PSHACK, RST, RSTACK, SYN, SYNACK, TestClock, tcp } from "./helpers.ts";

const C = "10.244.1.5:40000";
const S = "10.244.2.7:8080";

function setup(config = linuxConntrackConfig(1024)) {
  const clock = new TestClock();
  const ct = new Conntrack({ config, clock });
  return { clock, ct };
}

/** Sends one segment through conntrack; confirms a new entry; returns the entry and its state name. */
function step(ct: Conntrack, from: string, to: string, flags: number) {
  const r = ct.receive(tcp(from, to, flags));
  if (r.entry && r.state === "NEW" && !r.entry.has(IPS.CONFIRMED)) expect(ct.confirm(r.entry)).toBe(true);
  return r;
}

const stateOf = (e: CtEntry) => TCP_STATE_NAMES[e.tcpState];
const secondsLeft = (e: CtEntry, clock: TestClock) => (e.deadline - clock.now) / 1e9;

describe("TCP state machine (nf_conntrack_proto_tcp.c tcp_conntracks)", () => {
  it("follows a handshake, data and an active close from the client, with each state's timeout", () => {
    const { ct, clock } = setup();
    // Each row: segment, the state the kernel table gives, and tcp_timeouts[] for it
    // (SYN_SENT 2 MINS, SYN_RECV 60 SECS, ESTABLISHED 5 DAYS, FIN_WAIT 2 MINS,
    // CLOSE_WAIT 60 SECS, LAST_ACK 30 SECS, TIME_WAIT 2 MINS).
    const rows: [string, string, number, string, number, string][] = [
      [C, S, SYN, "SYN_SENT", 120, "NEW"],
      [S, C, SYNACK, "SYN_RECV", 60, "ESTABLISHED"],
      [C, S, ACK, "ESTABLISHED", 432000, "ESTABLISHED"],
      [C, S, PSHACK, "ESTABLISHED", 432000, "ESTABLISHED"],
      [S, C, PSHACK, "ESTABLISHED", 432000, "ESTABLISHED"],
      [C, S, FINACK, "FIN_WAIT", 120, "ESTABLISHED"],
      [S, C, ACK, "CLOSE_WAIT", 60, "ESTABLISHED"],
      [S, C, FINACK, "LAST_ACK", 30, "ESTABLISHED"],
      [C, S, ACK, "TIME_WAIT", 120, "ESTABLISHED"],
    ];
    let entry: CtEntry | undefined;
    for (const [from, to, flags, state, timeout, ctstate] of rows) {
      clock.advance(1);
      const r = step(ct, from, to, flags);
      entry ??= r.entry;
      expect(r.entry).toBe(entry);
      expect(r.state).toBe(ctstate);
      expect([stateOf(entry!), secondsLeft(entry!, clock)]).toEqual([state, timeout]);
    }
    expect(entry!.has(IPS.SEEN_REPLY | IPS.ASSURED)).toBe(true);
    expect([entry!.origPackets, entry!.replyPackets]).toEqual([5, 4]);
  });

  it("sets ASSURED only when the ACK after SYN_RECV arrives", () => {
    const { ct } = setup();
    const e = step(ct, C, S, SYN).entry!;
    step(ct, S, C, SYNACK);
    expect(e.has(IPS.SEEN_REPLY)).toBe(true);
    expect(e.has(IPS.ASSURED)).toBe(false);
    step(ct, C, S, ACK);
    expect(e.has(IPS.ASSURED)).toBe(true);
  });

  it("uses kube-proxy's ESTABLISHED (86400 s) and CLOSE_WAIT (3600 s) timeouts", () => {
    // pkg/proxy/apis/config/v1alpha1/defaults.go: tcpEstablishedTimeout 24h, tcpCloseWaitTimeout 1h.
    const { ct, clock } = setup(kubeProxyConntrackConfig({ cores: 4 }));
    const e = step(ct, C, S, SYN).entry!;
    step(ct, S, C, SYNACK);
    step(ct, C, S, ACK);
    expect(secondsLeft(e, clock)).toBe(86400);
    step(ct, S, C, FINACK); // the server closes first: FIN_WAIT
    step(ct, C, S, ACK);
    expect([stateOf(e), secondsLeft(e, clock)]).toEqual(["CLOSE_WAIT", 3600]);
  });

  it("a RST moves an established connection to CLOSE for 10 s", () => {
    const { ct, clock } = setup();
    const e = step(ct, C, S, SYN).entry!;
    step(ct, S, C, SYNACK);
    step(ct, C, S, ACK);
    step(ct, S, C, RSTACK);
    // tcp_conntracks[REPLY][rst][sES] = sCL; a RST always gets timeouts[TCP_CONNTRACK_CLOSE] = 10 SECS.
    expect([stateOf(e), secondsLeft(e, clock)]).toEqual(["CLOSE", LINUX_TIMEOUTS.tcpClose]);
    clock.advance(10);
    expect(ct.lookup(tcp(C, S, ACK))).toBeUndefined();
  });

  it("a RST as the only reply destroys the entry at once (connection refused)", () => {
    const { ct } = setup();
    const e = step(ct, C, S, SYN).entry!;
    const r = step(ct, S, C, RSTACK);
    // "If only reply is a RST ... we can delete the conntrack immediately" (nf_ct_kill_acct).
    expect(r.entry).toBe(e);
    expect(e.has(IPS.DYING)).toBe(true);
    expect(ct.count).toBe(0);
  });

  it("a SYN in TIME_WAIT reopens: the old entry goes and the SYN is NEW", () => {
    const { ct } = setup();
    const old = step(ct, C, S, SYN).entry!;
    for (const [f, t, fl] of [
      [S, C, SYNACK],
      [C, S, ACK],
      [C, S, FINACK],
      [S, C, FINACK],
      [C, S, ACK],
    ] as const)
      step(ct, f, t, fl);
    expect(stateOf(old)).toBe("TIME_WAIT");
    const r = step(ct, C, S, SYN);
    expect(r.state).toBe("NEW");
    expect(r.entry).not.toBe(old);
    expect(stateOf(r.entry!)).toBe("SYN_SENT");
    expect(ct.count).toBe(1);
  });

  it("ignores a reply ACK in SYN_SENT (half-open): no state change, no refresh", () => {
    const { ct, clock } = setup();
    const e = step(ct, C, S, SYN).entry!;
    clock.advance(5);
    step(ct, S, C, ACK); // tcp_conntracks[REPLY][ack][sSS] = sIG
    expect([stateOf(e), secondsLeft(e, clock)]).toEqual(["SYN_SENT", 115]);
  });

  it("marks impossible segments INVALID and creates nothing", () => {
    const { ct } = setup();
    expect(ct.receive(tcp(C, S, FINACK)).state).toBe("INVALID"); // [ORIG][fin][sNO] = sIV
    expect(ct.receive(tcp(C, S, SYNACK)).state).toBe("INVALID"); // [ORIG][synack][sNO] = sIV
    expect(ct.receive(tcp(C, S, RST)).state).toBe("INVALID"); // [ORIG][rst][sNO] = sIV
    expect(ct.receive(tcp(C, S, SYN | 0x01)).state).toBe("INVALID"); // SYN|FIN: not in tcp_valid_flags
    const e = step(ct, C, S, SYN).entry!;
    expect(ct.receive(tcp(C, S, ACK)).state).toBe("INVALID"); // [ORIG][ack][sSS] = sIV
    expect(stateOf(e)).toBe("SYN_SENT");
  });

  it("picks up a connection mid-stream from a bare ACK (nf_conntrack_tcp_loose=1), capped at 300 s", () => {
    const { ct, clock } = setup();
    const r = step(ct, C, S, ACK);
    expect(r.state).toBe("NEW");
    // ESTABLISHED without SEEN_REPLY: timeout limited to timeouts[TCP_CONNTRACK_UNACK] (5 MINS).
    expect([stateOf(r.entry!), secondsLeft(r.entry!, clock)]).toEqual(["ESTABLISHED", 300]);
    step(ct, S, C, ACK);
    step(ct, C, S, ACK);
    expect(r.entry!.has(IPS.ASSURED)).toBe(true);
    expect(secondsLeft(r.entry!, clock)).toBe(432000);
  });

  it("refuses mid-stream pickup when loose is off", () => {
    const clock = new TestClock();
    const ct = new Conntrack({ config: { ...linuxConntrackConfig(16), tcpLoose: false }, clock });
    expect(ct.receive(tcp(C, S, ACK)).state).toBe("INVALID");
    expect(ct.receive(tcp(C, S, SYN)).state).toBe("NEW");
  });
});
