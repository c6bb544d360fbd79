import type { EventHandle, Nanos, Scheduler } from "../../engine/index.ts";
import { type IPv4, type NetNamespace, type Packet, type ProxyV2Header, TCP } from "../../net/index.ts";
import { DEFAULT_PEER_MSS, type TcpConfig, TS_OPTION_BYTES } from "./config.ts";
import type { TcpErrno } from "./errors.ts";
import { tcpInput } from "./input.ts";
import { writeXmit } from "./output.ts";
import { RecvQueue } from "./recv-queue.ts";
import { retransmitTimeout } from "./retransmit.ts";
import { RttEstimator } from "./rtt.ts";
import { type SegmentRoute, type SegmentSpec, sendSegment, tsClock } from "./segment.ts";
import { SendQueue } from "./send-queue.ts";
import { seqAdd, seqLt } from "./seq.ts";

/** The TCP states (RFC 793 3.2; include/net/tcp_states.h). LISTEN is the {@link TcpListener}. */
export type TcpState =
  | "CLOSED"
  | "SYN_SENT"
  | "SYN_RECV"
  | "ESTABLISHED"
  | "FIN_WAIT_1"
  | "FIN_WAIT_2"
  | "CLOSE_WAIT"
  | "CLOSING"
  | "LAST_ACK"
  | "TIME_WAIT";

/** What a socket tells its application. Every callback is optional. */
export interface TcpSocketHandlers {
  /** The handshake completed (connect() returned). */
  connected?(sock: TcpSocket): void;
  /** A whole message arrived (its last byte was received in order). */
  message?(message: unknown, bytes: number, sock: TcpSocket): void;
  /** The peer closed its side (read() returns 0). */
  peerClosed?(sock: TcpSocket): void;
  /** The connection failed; no further callbacks but `closed`. */
  error?(errno: TcpErrno, sock: TcpSocket): void;
  /** The socket is gone (CLOSED, or its TIME_WAIT began: the application is done with it). */
  closed?(sock: TcpSocket): void;
}

/** What a socket needs from its namespace's stack. */
export interface TcpEnv {
  readonly netns: NetNamespace;
  readonly sched: Scheduler;
  readonly config: TcpConfig;
}

const SYNCHRONIZED_SEND: ReadonlySet<TcpState> = new Set([
  "ESTABLISHED",
  "CLOSE_WAIT",
  "FIN_WAIT_1",
  "CLOSING",
  "LAST_ACK",
]);

/**
 * One TCP connection endpoint, after RFC 793 and Linux's tcp_input.c /
 * tcp_output.c / tcp_timer.c. Sequence numbers count bytes; application
 * messages ride on the segment holding their last byte and are delivered
 * whole, in order. The fields below are the model's TCB; the ones marked
 * internal are read and written by the input path (input.ts).
 */
export class TcpSocket implements SegmentRoute {
  state: TcpState;
  handlers: TcpSocketHandlers = {};
  /** The errno the connection ended with, if it failed. */
  error: TcpErrno | undefined;
  /** Segments retransmitted by timeout or fast retransmit (for tests and metrics). */
  retransmissions = 0;
  /**
   * The PROXY v2 header that arrived in front of the peer's data, if any: the
   * bytes a PROXY-protocol server reads before its protocol (the application
   * decides what it means; see workload/proxy-protocol.ts).
   */
  proxyHeader: ProxyV2Header | undefined;

  /** @internal */ readonly env: TcpEnv;
  /** @internal */ readonly iss: number;
  /** @internal */ sndUna: number;
  /** @internal */ sndNxt: number;
  /** @internal */ sndWnd = 0;
  /** @internal Data bytes per segment (mss_cache). */ mssCache: number;
  /** @internal */ cwnd: number;
  /** @internal */ ssthresh = Number.POSITIVE_INFINITY;
  /** @internal */ cwndCount = 0;
  /** @internal Where loss recovery retransmits next; undefined outside recovery. */ rexmitNext: number | undefined;
  /** @internal snd_nxt when recovery began (NewReno's "recover"). */ recoverPoint = 0;
  /** @internal */ dupAcks = 0;
  /** @internal In NewReno fast recovery (RFC 6582) until snd_una reaches recoverPoint. */ fastRecovery = false;
  /** @internal The last small segment sent (snd_sml, Minshall's Nagle). */ sndSml: number;
  /** @internal */ recv: RecvQueue;
  /** @internal rcv_nxt as last acknowledged (rcv_wup). */ rcvWup = 0;
  /** @internal */ tsRecent = 0;
  /** @internal */ readonly queue: SendQueue;
  /** @internal The application closed: FIN queued, no more reads (orphaned). */ orphan = false;
  /** @internal Sequence number of our FIN once sent. */ finSeq: number | undefined;
  /** @internal */ readonly rtt: RttEstimator;
  /** @internal icsk_rto, doubled by each timeout. */ rto: Nanos;
  /** @internal */ backoff = 0;
  /** @internal */ retransmits = 0;
  /** @internal */ retransStamp = 0;
  /** @internal */ softError: TcpErrno | undefined;
  /** @internal Quick ACKs left (icsk_ack.quick); -1 before the first data. */ quick = -1;
  /** @internal */ pingpong = false;
  /** @internal */ lastDataRecvAt = 0;
  /** @internal When the SYN or SYN-ACK was first sent. */ synSentAt = 0;
  /** @internal */ onAccept: ((sock: TcpSocket) => void) | undefined;
  /** @internal */ rtxTimer: EventHandle | undefined;
  /** @internal */ delackTimer: EventHandle | undefined;
  /** @internal TIME_WAIT or orphaned FIN_WAIT_2 lifetime. */ lingerTimer: EventHandle | undefined;
  /** Disables Nagle's algorithm (TCP_NODELAY). */
  noDelay = false;

  constructor(
    env: TcpEnv,
    readonly localIp: IPv4,
    readonly localPort: number,
    readonly remoteIp: IPv4,
    readonly remotePort: number,
    iss: number,
    state: "SYN_SENT" | "SYN_RECV",
  ) {
    this.env = env;
    this.iss = iss >>> 0;
    this.state = state;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndSml = this.iss;
    this.queue = new SendQueue(seqAdd(this.iss, 1));
    this.recv = new RecvQueue(0);
    this.mssCache = this.effectiveMss(DEFAULT_PEER_MSS);
    this.cwnd = env.config.initialCwnd;
    this.rtt = new RttEstimator(env.config.rtoMin, env.config.rtoMax, env.config.rtoInit);
    this.rto = env.config.rtoInit;
  }

  /** @internal The namespace, for sending (SegmentRoute). */
  get netns(): NetNamespace {
    return this.env.netns;
  }

  /**
   * Queues a message of `bytes` (≥ 1) bytes; it is segmented by the MSS and
   * delivered to the peer's application when its last byte arrives. Before
   * the handshake completes the bytes wait; after close() or a failure the
   * write fails (returns false), as write() does with EPIPE.
   */
  send(bytes: number, message: unknown): boolean {
    if (!Number.isSafeInteger(bytes) || bytes < 1) throw new RangeError(`a TCP message needs ≥ 1 byte, got ${bytes}`);
    if (this.orphan || !["SYN_SENT", "SYN_RECV", "ESTABLISHED", "CLOSE_WAIT"].includes(this.state)) return false;
    this.queue.write(bytes, message);
    this.pump();
    return true;
  }

  /**
   * close(): while connecting the socket just goes away (tcp_close from
   * SYN_SENT sends nothing); otherwise a FIN follows the queued data
   * (ESTABLISHED → FIN_WAIT_1, CLOSE_WAIT → LAST_ACK) and the socket is
   * orphaned: data arriving afterwards is answered with RST.
   */
  close(): void {
    if (this.orphan) return;
    this.orphan = true;
    if (this.state === "SYN_SENT" || this.state === "SYN_RECV") {
      this.finish(undefined);
      return;
    }
    if (this.state === "ESTABLISHED") this.state = "FIN_WAIT_1";
    else if (this.state === "CLOSE_WAIT") this.state = "LAST_ACK";
    else return;
    this.pump();
  }

  /**
   * abort() (SO_LINGER 0, tcp_disconnect): RST|ACK at snd_nxt in a
   * synchronized state (tcp_need_reset), then CLOSED.
   */
  abort(): void {
    if (this.state === "CLOSED" || this.state === "TIME_WAIT") return;
    if (this.state !== "SYN_SENT") this.sendReset(this.sndNxt, TCP.RST | TCP.ACK);
    this.orphan = true;
    this.finish(undefined);
  }

  /** @internal The namespace's demux hands every packet for this 4-tuple here. */
  onPacket(pkt: Packet): void {
    if (this.state === "CLOSED") return;
    tcpInput(this, pkt);
  }

  /** @internal Sends the SYN (tcp_connect). */
  startConnect(): void {
    this.synSentAt = this.env.sched.now;
    this.sndNxt = seqAdd(this.iss, 1);
    this.sendSyn();
    this.armRtx(this.rto);
  }

  /** @internal Answers a SYN with SYN-ACK (tcp_conn_request). */
  startAccept(syn: Packet, onAccept: (sock: TcpSocket) => void): void {
    const h = syn.tcp;
    this.onAccept = onAccept;
    this.recv.rcvNxt = seqAdd(h?.seq ?? 0, 1);
    this.rcvWup = this.recv.rcvNxt;
    this.tsRecent = h?.tsval ?? 0;
    this.mssCache = this.effectiveMss(h?.mss ?? DEFAULT_PEER_MSS);
    this.sndWnd = h?.window ?? 0;
    this.synSentAt = this.env.sched.now;
    this.sndNxt = seqAdd(this.iss, 1);
    this.sendSyn();
    this.armRtx(this.rto);
  }

  /** @internal SYN or SYN-ACK, carrying the MSS option. */
  sendSyn(): void {
    const synAck = this.state === "SYN_RECV";
    this.segment({
      flags: synAck ? TCP.SYN | TCP.ACK : TCP.SYN,
      seq: this.iss,
      ack: synAck ? this.recv.rcvNxt : 0,
      mss: this.env.config.mss,
    });
  }

  /** @internal The MSS of data per segment: the smaller MSS, less the timestamp option (tcp_sync_mss). */
  effectiveMss(peerMss: number): number {
    const ts = this.env.config.timestamps ? TS_OPTION_BYTES : 0;
    return Math.min(peerMss, this.env.config.mss) - ts;
  }

  /**
   * @internal Sends what the windows allow: retransmissions during loss
   * recovery first, then new data, then the FIN (tcp_write_xmit).
   */
  pump(): void {
    if (SYNCHRONIZED_SEND.has(this.state)) writeXmit(this);
  }

  /** @internal One data and/or FIN segment of [seq, seq + len). */
  transmit(seq: number, len: number, fin: boolean, retransmission: boolean): void {
    const end = seqAdd(seq, len + (fin ? 1 : 0));
    const dataEnd = seqAdd(seq, len);
    let flags = TCP.ACK;
    if (fin) flags |= TCP.FIN;
    // why: tcp_push sets PSH on the segment that empties the write queue.
    if (len > 0 && dataEnd === this.queue.writeSeq) flags |= TCP.PSH;
    this.segment({ flags, seq, ack: this.recv.rcvNxt, dataBytes: len, messages: this.queue.endingIn(seq, dataEnd) });
    const now = this.env.sched.now;
    this.queue.transmitted(seq, end, now, retransmission);
    if (fin) this.finSeq = dataEnd;
    if (len > 0 && len < this.mssCache) this.sndSml = dataEnd;
    if (seqLt(this.sndNxt, end)) this.sndNxt = end;
    // why: tcp_event_data_sent: a reply sent within ato of the last data
    // received turns on delayed-ACK ("pingpong") mode (tcp_pingpong_thresh 1).
    if (len > 0 && this.quick >= 0 && now - this.lastDataRecvAt < this.env.config.delayedAck) this.pingpong = true;
    if (this.rtxTimer === undefined || this.rtxTimer.done) this.armRtx(this.rto);
  }

  /** @internal A bare ACK (tcp_send_ack). */
  sendAck(): void {
    this.segment({ flags: TCP.ACK, seq: this.sndNxt, ack: this.recv.rcvNxt });
  }

  /** @internal A RST with the given sequence number (never retransmitted, no options). */
  sendReset(seq: number, flags: number): void {
    sendSegment(this, { flags, seq, ack: this.recv.rcvNxt, window: 0 });
  }

  /** Every segment but a RST: window, timestamps, and any pending ACK is now sent. */
  private segment(spec: Omit<SegmentSpec, "window">): void {
    const { config, sched } = this.env;
    const carriesAck = (spec.flags & TCP.ACK) !== 0;
    sendSegment(this, {
      ...spec,
      window: config.receiveWindow,
      tsval: config.timestamps ? tsClock(sched.now) : undefined,
      tsecr: config.timestamps && carriesAck ? this.tsRecent : config.timestamps ? 0 : undefined,
    });
    if (carriesAck) {
      this.rcvWup = this.recv.rcvNxt;
      this.env.sched.cancel(this.delackTimer);
      this.delackTimer = undefined;
      if (this.quick > 0) this.quick--;
    }
  }

  /** @internal (Re)arms the retransmission timer `after` from now. */
  armRtx(after: Nanos): void {
    this.env.sched.cancel(this.rtxTimer);
    this.rtxTimer = this.env.sched.after(after, () => retransmitTimeout(this), "tcp/rtx");
  }

  /** @internal Stops the retransmission timer (nothing outstanding). */
  stopRtx(): void {
    this.env.sched.cancel(this.rtxTimer);
    this.rtxTimer = undefined;
  }

  /** @internal CLOSED: timers stop, the 4-tuple is released, the application is told. */
  finish(errno: TcpErrno | undefined): void {
    if (this.state === "CLOSED") return;
    const wasTimeWait = this.state === "TIME_WAIT";
    this.state = "CLOSED";
    const { sched, netns } = this.env;
    sched.cancel(this.rtxTimer);
    sched.cancel(this.delackTimer);
    sched.cancel(this.lingerTimer);
    netns.disconnect("TCP", this.localPort, this.remoteIp, this.remotePort);
    if (errno !== undefined) {
      this.error = errno;
      if (!this.orphan) this.handlers.error?.(errno, this);
    }
    if (!wasTimeWait) this.handlers.closed?.(this);
  }
}
