import type { Scheduler } from "../../engine/index.ts";
import type { IPv4 } from "../../net/index.ts";
import type { RequestError } from "../messages.ts";
import type { TcpErrno, TcpSocket, TcpStack } from "../tcp/index.ts";
import {
  type H2Frame,
  type H2Write,
  isH2Write,
  MAX_STREAM_ID,
  RST_STREAM_PAYLOAD_BYTES,
  settingsFrame,
  writeBytes,
} from "./frames.ts";
import { requestFrames } from "./messages.ts";
import type { H2ClientSettings } from "./settings.ts";

/**
 * Why a stream failed: a request error, or `unprocessed` — the server
 * never processed it (above a GOAWAY's last stream id, or REFUSED_STREAM),
 * so it is safe to retry (RFC 9113 §8.7).
 */
export type StreamFailure = RequestError | "unprocessed";

/** How a stream ended. */
export interface StreamResult {
  /** The Pod named by the response. */
  readonly pod?: string;
  readonly failure?: StreamFailure;
}

/** One request to send as a stream. */
export interface H2StreamRequest {
  /** The request's id (its RequestRecord id). */
  readonly id: number;
  /** Request body / message, octets. */
  readonly requestBytes: number;
  /** Response body / message the server is asked for, octets. */
  readonly responseBytes: number;
  /** Called once, when the stream ends either way. */
  readonly done: (result: StreamResult, conn: H2Connection, stream: number) => void;
}

/** What a connection tells its owner (a pool or a subchannel). */
export interface H2ConnectionEvents {
  /** The TCP handshake completed. */
  connected?(conn: H2Connection): void;
  /** The server's first SETTINGS arrived. */
  ready?(conn: H2Connection): void;
  /** Stream slots freed up (a stream ended, or the limit rose). */
  slots?(conn: H2Connection): void;
  /** The first GOAWAY arrived: no new streams from now on. */
  goaway?(conn: H2Connection): void;
  /** The connection is gone; `failure` when it failed rather than closed. */
  closed?(conn: H2Connection, failure: StreamFailure | undefined): void;
}

/** Where and how to connect. */
export interface H2ConnectionOptions {
  readonly stack: TcpStack;
  readonly scheduler: Scheduler;
  readonly ip: IPv4;
  readonly port: number;
  readonly settings: H2ClientSettings;
  readonly events: H2ConnectionEvents;
}

/** Connection state as the client sees it. */
export type H2ConnState = "connecting" | "open" | "draining" | "closed";

// why: the errno a blocked read()/write() returns becomes the request's error (as in RequestClient).
function failureOf(errno: TcpErrno, established: boolean): StreamFailure {
  if (errno === "ECONNREFUSED") return "refused";
  if (errno === "ECONNRESET" || errno === "EPIPE") return "reset";
  if (errno === "ETIMEDOUT") return established ? "timeout" : "connect-timeout";
  return "unreachable";
}

/**
 * The client end of one HTTP/2 connection over the TCP model: the preface,
 * SETTINGS both ways, one stream per request with odd increasing ids, the
 * peer's SETTINGS_MAX_CONCURRENT_STREAMS as the limit on open streams, and
 * GOAWAY handling (RFC 9113 §6.8): no new streams once one arrives; streams
 * above its last stream id fail as `unprocessed`; the connection closes once
 * its last stream ends. Flow-control windows are not modelled (TCP's are).
 */
export class H2Connection {
  state: H2ConnState = "connecting";
  /** The limit on open streams now. */
  maxStreams: number;
  /** When the TCP handshake completed (ns). */
  connectedAt: number | undefined;
  /** Streams opened over the connection's life. */
  streamsOpened = 0;
  readonly sock: TcpSocket | undefined;
  private readonly streams = new Map<number, { req: H2StreamRequest; pod?: string }>();
  private nextId = 1;
  private goAwayId: number | undefined;
  private settingsSeen = false;

  constructor(private readonly o: H2ConnectionOptions) {
    this.maxStreams = o.settings.initialMaxStreams;
    this.sock = o.stack.connect(o.ip, o.port, {
      noDelay: true,
      handlers: {
        connected: () => {
          this.connectedAt = o.scheduler.now;
          o.events.connected?.(this);
        },
        message: (m) => {
          if (isH2Write(m)) for (const f of m.frames) this.frame(f);
        },
        peerClosed: () => this.lost("closed"),
        error: (errno) => this.lost(failureOf(errno, this.connectedAt !== undefined)),
        closed: () => this.lost(undefined),
      },
    });
    if (!this.sock) {
      this.state = "closed";
      return;
    }
    // why: RFC 9113 §3.4: the client sends the preface and its SETTINGS at once,
    // and (§3.4) may send frames before the server's SETTINGS arrive.
    this.write({ kind: "h2", preface: true, frames: [settingsFrame(o.settings.settingsCount)] });
  }

  /** Streams open now. */
  get activeStreams(): number {
    return this.streams.size;
  }

  /** True while new streams may be opened (not draining or closed). */
  get usable(): boolean {
    return this.state === "connecting" || this.state === "open";
  }

  /** True when a stream can be opened now (usable, under the limit, ids left). */
  get canOpen(): boolean {
    return this.usable && this.streams.size < this.maxStreams && this.nextId <= MAX_STREAM_ID;
  }

  /** The client's local port: names the connection in records. */
  get localPort(): number | undefined {
    return this.sock?.localPort;
  }

  /** Opens a stream for `req`; returns its id, or undefined when {@link canOpen} is false. */
  open(req: H2StreamRequest): number | undefined {
    if (!this.canOpen) return undefined;
    const id = this.nextId;
    this.nextId += 2;
    this.streams.set(id, { req });
    this.streamsOpened++;
    this.write({ kind: "h2", preface: false, frames: requestFrames(id, req, this.o.settings) });
    return id;
  }

  /** Abandons a stream (a deadline passed): RST_STREAM(CANCEL), its slot is freed. */
  cancel(stream: number): void {
    if (!this.streams.delete(stream)) return;
    const frame: H2Frame = { type: "RST_STREAM", stream, code: "CANCEL", bytes: RST_STREAM_PAYLOAD_BYTES };
    this.write({ kind: "h2", preface: false, frames: [frame] });
    this.afterStreamEnd();
  }

  /** Stops opening streams and closes once the open ones end (grpc-go GracefulClose). */
  shutdown(): void {
    if (!this.usable) return;
    this.state = "draining";
    if (this.streams.size === 0) this.closeNow();
  }

  private frame(f: H2Frame): void {
    switch (f.type) {
      case "SETTINGS":
        if (!f.ack) this.settings(f.maxConcurrentStreams);
        return;
      case "PING":
        if (!f.ack) this.write({ kind: "h2", preface: false, frames: [{ ...f, ack: true }] });
        return;
      case "GOAWAY":
        this.goAway(f.lastStreamId);
        return;
      case "HEADERS": {
        const s = this.streams.get(f.stream);
        if (s && f.pod !== undefined) s.pod = f.pod;
        if (f.endStream) this.end(f.stream, undefined);
        return;
      }
      case "DATA":
        if (f.endStream) this.end(f.stream, undefined);
        return;
      case "RST_STREAM":
        this.end(f.stream, f.code === "REFUSED_STREAM" ? "unprocessed" : "reset");
        return;
    }
  }

  private settings(max: number | undefined): void {
    const first = !this.settingsSeen;
    this.settingsSeen = true;
    // why: a SETTINGS without the parameter leaves it as it was, except the first,
    // after which Go uses defaultMaxConcurrentStreams and grpc-go MaxUint32.
    if (max !== undefined) this.maxStreams = max;
    else if (first) this.maxStreams = this.o.settings.absentMaxStreams;
    this.write({ kind: "h2", preface: false, frames: [{ type: "SETTINGS", ack: true, bytes: 0 }] });
    if (first && this.state === "connecting") {
      this.state = "open";
      this.o.events.ready?.(this);
    }
    this.o.events.slots?.(this);
  }

  private goAway(lastStreamId: number): void {
    if (this.state === "closed") return;
    const first = this.goAwayId === undefined;
    // why: grpc-go handleGoAway: streams above this GOAWAY's id (and at most the
    // previous one's) were never processed by the server: they fail as retryable.
    const upper = this.goAwayId ?? Number.POSITIVE_INFINITY;
    this.goAwayId = lastStreamId;
    if (first) {
      this.state = "draining";
      this.o.events.goaway?.(this);
    }
    for (const id of [...this.streams.keys()].sort((a, b) => a - b)) {
      if (id > lastStreamId && id <= upper) this.end(id, "unprocessed");
    }
    if (this.streams.size === 0 && this.state === "draining") this.closeNow();
  }

  private end(stream: number, failure: StreamFailure | undefined): void {
    const s = this.streams.get(stream);
    if (!s) return;
    this.streams.delete(stream);
    s.req.done(failure === undefined ? { pod: s.pod } : { pod: s.pod, failure }, this, stream);
    this.afterStreamEnd();
  }

  private afterStreamEnd(): void {
    if (this.state === "draining" && this.streams.size === 0) this.closeNow();
    else if (this.usable) this.o.events.slots?.(this);
  }

  private closeNow(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.sock?.close();
    this.o.events.closed?.(this, undefined);
  }

  /** The connection ended under us: every open stream fails with `failure`. */
  private lost(failure: StreamFailure | undefined): void {
    if (this.state === "closed") return;
    this.state = "closed";
    const open = [...this.streams.entries()].sort(([a], [b]) => a - b);
    this.streams.clear();
    for (const [id, s] of open) s.req.done({ pod: s.pod, failure: failure ?? "closed" }, this, id);
    // why: read() returned 0: the application closes its end too.
    if (failure === "closed") this.sock?.close();
    this.o.events.closed?.(this, failure ?? "closed");
  }

  private write(w: H2Write): void {
    this.sock?.send(writeBytes(w), w);
  }
}
