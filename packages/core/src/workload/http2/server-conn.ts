import type { EventHandle, Nanos, Scheduler } from "../../engine/index.ts";
import type { TcpSocket } from "../tcp/index.ts";
import {
  GOAWAY_PAYLOAD_BYTES,
  type H2Frame,
  type H2RequestMeta,
  type H2Write,
  isH2Write,
  MAX_STREAM_ID,
  PING_PAYLOAD_BYTES,
  RST_STREAM_PAYLOAD_BYTES,
  settingsFrame,
  writeBytes,
} from "./frames.ts";
import { responseFrames } from "./messages.ts";
import type { H2ServerSettings } from "./settings.ts";

/** What a server connection needs from its server. */
export interface H2ServerConnEnv {
  readonly pod: string;
  readonly scheduler: Scheduler;
  readonly settings: H2ServerSettings;
  /** Response body octets; undefined: what the request asked for. */
  readonly responseBytes: number | undefined;
  /** Runs a request through the server's workers; `done` when it is served. */
  readonly serve: (done: () => void) => void;
  /** A response was written. */
  readonly answered: () => void;
  /** The connection is finished with (closed either way). */
  readonly gone: (conn: H2ServerConn) => void;
}

/** Where a connection is in a graceful shutdown. */
export type H2DrainState = "none" | "heads-up" | "final";

/**
 * The server end of one HTTP/2 connection: it sends its SETTINGS at once,
 * serves each complete request stream (refusing those over its advertised
 * SETTINGS_MAX_CONCURRENT_STREAMS with RST_STREAM(REFUSED_STREAM), RFC 9113
 * §5.1.2), and drains gracefully with GOAWAY: streams up to the last stream
 * id are still served, later ones ignored (§6.8), and the connection closes
 * when the last of them is answered.
 */
export class H2ServerConn {
  drain: H2DrainState = "none";
  /** Requests answered on this connection. */
  served = 0;
  private readonly active = new Set<number>();
  private readonly cancelled = new Set<number>();
  /** Requests whose HEADERS arrived and whose body has not ended yet. */
  private readonly pending = new Map<number, H2RequestMeta>();
  private maxStreamId = 0;
  private lastStreamId = MAX_STREAM_ID;
  private closed = false;
  private readonly timers: EventHandle[] = [];

  constructor(
    readonly sock: TcpSocket,
    private readonly env: H2ServerConnEnv,
  ) {
    sock.handlers = {
      message: (m) => {
        if (isH2Write(m)) for (const f of m.frames) this.frame(f);
      },
      peerClosed: () => this.close(),
      error: () => this.finish(),
      closed: () => this.finish(),
    };
    // why: RFC 9113 §3.4: the server's preface is a SETTINGS frame, sent first.
    this.write([settingsFrame(env.settings.settingsCount, env.settings.maxConcurrentStreams)]);
  }

  /** Streams being served now. */
  get activeStreams(): number {
    return this.active.size;
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Schedules `fn` after `delay`, cancelled when the connection goes. */
  timer(delay: Nanos, fn: () => void): void {
    this.timers.push(this.env.scheduler.after(delay, fn, `h2server/${this.env.pod}`));
  }

  /**
   * Starts a graceful shutdown. Two-phase (grpc-go): GOAWAY(2^31−1) and a
   * PING; the final GOAWAY follows the PING's ACK, one round trip later, so
   * that requests already on their way are served. One-phase (Go): GOAWAY
   * with the highest stream id received.
   */
  startDrain(): void {
    if (this.closed || this.drain !== "none") return;
    if (this.env.settings.twoPhaseGoAway) {
      this.drain = "heads-up";
      this.write([goAway(MAX_STREAM_ID), { type: "PING", ack: false, bytes: PING_PAYLOAD_BYTES }]);
    } else {
      this.finalGoAway();
    }
  }

  /** Closes the connection now (FIN after what is queued), answered or not. */
  close(): void {
    if (this.closed) return;
    this.sock.close();
    this.finish();
  }

  private finalGoAway(): void {
    this.drain = "final";
    this.lastStreamId = this.maxStreamId;
    this.write([goAway(this.maxStreamId)]);
    if (this.active.size === 0) this.close();
  }

  private frame(f: H2Frame): void {
    switch (f.type) {
      case "SETTINGS":
        if (!f.ack) this.write([{ type: "SETTINGS", ack: true, bytes: 0 }]);
        return;
      case "PING":
        if (!f.ack) this.write([{ ...f, ack: true }]);
        else if (this.drain === "heads-up") this.finalGoAway();
        return;
      case "HEADERS":
        if (f.request && f.endStream) this.request(f.stream, f.request);
        else if (f.request) this.pending.set(f.stream, f.request);
        return;
      case "DATA": {
        const meta = this.pending.get(f.stream);
        if (meta && f.endStream) {
          this.pending.delete(f.stream);
          this.request(f.stream, meta);
        }
        return;
      }
      case "RST_STREAM":
        if (this.active.has(f.stream)) this.cancelled.add(f.stream);
        return;
      case "GOAWAY":
        return;
    }
  }

  private request(stream: number, meta: H2RequestMeta): void {
    // why: RFC 9113 §6.8: after sending GOAWAY, a sender ignores frames on streams
    // above its last stream id (the client retries them elsewhere).
    if (this.closed || stream > this.lastStreamId) return;
    if (stream > this.maxStreamId) this.maxStreamId = stream;
    const limit = this.env.settings.maxConcurrentStreams;
    if (limit !== undefined && this.active.size >= limit) {
      this.write([{ type: "RST_STREAM", stream, code: "REFUSED_STREAM", bytes: RST_STREAM_PAYLOAD_BYTES }]);
      return;
    }
    this.active.add(stream);
    this.env.serve(() => this.respond(stream, meta));
  }

  private respond(stream: number, meta: H2RequestMeta): void {
    this.active.delete(stream);
    const cancelled = this.cancelled.delete(stream);
    if (!this.closed && !cancelled) {
      const bytes = this.env.responseBytes ?? meta.bodyBytes;
      this.write(responseFrames(stream, this.env.pod, bytes, this.env.settings));
      this.served++;
      this.env.answered();
    }
    if (this.drain === "final" && this.active.size === 0) this.close();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) this.env.scheduler.cancel(t);
    this.env.gone(this);
  }

  private write(frames: H2Frame[]): void {
    if (this.closed) return;
    const w: H2Write = { kind: "h2", preface: false, frames };
    this.sock.send(writeBytes(w), w);
  }
}

function goAway(lastStreamId: number): H2Frame {
  return { type: "GOAWAY", lastStreamId, code: "NO_ERROR", bytes: GOAWAY_PAYLOAD_BYTES };
}
