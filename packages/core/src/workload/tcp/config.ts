import { ms, type Nanos, s } from "../../engine/index.ts";

/**
 * The TCP knobs of one network namespace, with Linux's defaults. Names follow
 * the sysctls (net.ipv4.tcp_*) and the constants of include/net/tcp.h.
 */
export interface TcpConfig {
  /** MSS advertised on SYN: MTU 1500 − 20 (IP) − 20 (TCP) (tcp_advertise_mss). */
  mss: number;
  /** net.ipv4.tcp_timestamps: 12 option bytes on every segment, and RTT samples after retransmission. */
  timestamps: boolean;
  /** net.ipv4.tcp_syn_retries (TCP_SYN_RETRIES = 6). */
  synRetries: number;
  /**
   * net.ipv4.tcp_syn_linear_timeouts: SYN retransmissions that keep the
   * initial RTO before backing off. Linux ≥ 6.5 defaults to 4 (connect fails
   * after ~131 s); earlier kernels had no such knob (0: ~127 s, tcp(7)).
   */
  synLinearTimeouts: number;
  /** net.ipv4.tcp_synack_retries (TCP_SYNACK_RETRIES = 5). */
  synackRetries: number;
  /** net.ipv4.tcp_retries2 (TCP_RETR2 = 15): ~924.6 s with TCP_RTO_MIN. */
  retries2: number;
  /** net.ipv4.tcp_orphan_retries; 0 means 8 while the peer is alive (tcp_orphan_retries()). */
  orphanRetries: number;
  /** TCP_TIMEOUT_INIT: the RTO before any RTT sample (RFC 6298 2.1). */
  rtoInit: Nanos;
  /** TCP_RTO_MIN (HZ/5). */
  rtoMin: Nanos;
  /** TCP_RTO_MAX (120 s). */
  rtoMax: Nanos;
  /** TCP_TIMEWAIT_LEN (60 s): how long TIME_WAIT holds the 4-tuple. */
  timeWait: Nanos;
  /** net.ipv4.tcp_fin_timeout (TCP_FIN_TIMEOUT = 60 s): an orphaned FIN_WAIT_2's lifetime. */
  finTimeout: Nanos;
  /** TCP_DELACK_MIN = TCP_ATO_MIN (HZ/25): the delayed-ACK timer. */
  delayedAck: Nanos;
  /** TCP_MAX_QUICKACKS: ACKs sent at once after the first data. */
  maxQuickAcks: number;
  /** TCP_INIT_CWND (RFC 6928 IW10): segments in flight before the first ACK. */
  initialCwnd: number;
  /** The receive window this end advertises, in bytes (never shrinks: apps read at once). */
  receiveWindow: number;
}

/** Linux's defaults (include/net/tcp.h, Documentation/networking/ip-sysctl.rst). */
export const LINUX_TCP: Readonly<TcpConfig> = {
  mss: 1460,
  timestamps: true,
  synRetries: 6,
  // Classic doubling (1, 3, 7, 15, 31, 63 s; ETIMEDOUT at 127 s) as tcp(7)
  // documents; set 4 for a Linux ≥ 6.5 node.
  synLinearTimeouts: 0,
  synackRetries: 5,
  retries2: 15,
  orphanRetries: 0,
  rtoInit: s(1),
  rtoMin: ms(200),
  rtoMax: s(120),
  timeWait: s(60),
  finTimeout: s(60),
  delayedAck: ms(40),
  maxQuickAcks: 16,
  initialCwnd: 10,
  // why: 65535 is the largest window a SYN can carry unscaled; Linux's
  // initial rcv_wnd (tcp_select_initial_window) is of that order.
  receiveWindow: 65535,
};

/** TCP option bytes: MSS 4, SACK_PERM 2, timestamps 10, window scale 3, padded (tcp_syn_options). */
export const SYN_OPTION_BYTES = 20;
/** The timestamp option on every other segment: 10 bytes + 2 NOPs (TCPOLEN_TSTAMP_ALIGNED). */
export const TS_OPTION_BYTES = 12;
/** IPv4 + TCP base headers. */
export const TCP_IP_HEADER = 40;
/** RFC 1122 4.2.2.6: the MSS assumed when the peer sends none. */
export const DEFAULT_PEER_MSS = 536;

/** A full config from defaults and overrides. */
export function tcpConfig(overrides: Partial<TcpConfig> = {}): TcpConfig {
  return { ...LINUX_TCP, ...overrides };
}
