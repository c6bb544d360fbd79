import { type Nanos, type RandomStream, type Rng, type Scheduler, s } from "../../engine/index.ts";
import { formatEndpoint, type IPv4, type NetNamespace } from "../../net/index.ts";
import { type TcpConfig, TcpStack } from "../tcp/index.ts";
import type { Call, CallTransport } from "./call.ts";
import { H2Connection, type StreamResult } from "./connection.ts";
import type { H2ClientSettings } from "./settings.ts";

/** What an HTTP/2 client needs. */
export interface H2ClientOptions {
  /** Names its random stream (`workload/h2client/<name>`). */
  name: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  rng: Rng;
  settings: H2ClientSettings;
  tcp?: Partial<TcpConfig>;
}

/** A call waiting in an origin's pool for a stream. */
interface Waiting {
  readonly call: Call;
  attempts: number;
  conn?: H2Connection;
  stream?: number;
  cancelled: boolean;
}

// why: golang.org/x/net/http2 Transport.RoundTrip retries a request that failed
// unprocessed up to 6 times: at once the first time, then after 2^(retry−1) s
// plus up to 10% jitter.
const MAX_RETRIES = 6;

/**
 * An HTTP/2 client in the manner of Go's `http2.Transport`: one connection
 * pool per origin (`ip:port`), one dial in flight per origin at a time,
 * requests multiplexed as streams on the first connection with room. When
 * every connection is at its SETTINGS_MAX_CONCURRENT_STREAMS, a request
 * waits (`strictMaxConcurrentStreams`) or a new connection is dialled. A
 * connection that received GOAWAY takes no new requests; the next request
 * dials a fresh one. Requests the server never processed are retried.
 */
export class H2Client {
  private readonly pools = new Map<string, OriginPool>();
  private readonly jitter: RandomStream;

  constructor(private readonly o: H2ClientOptions) {
    this.jitter = o.rng.stream(`workload/h2client/${o.name}/retry`);
  }

  /** A transport that sends every call to one origin. */
  to(ip: IPv4, port: number): CallTransport {
    const key = formatEndpoint(ip, port);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new OriginPool(this.o, ip, port, this.jitter);
      this.pools.set(key, pool);
    }
    const p = pool;
    return { send: (call) => p.send(call) };
  }

  /** Every connection ever dialled to `ip:port`, in dial order. */
  connections(ip: IPv4, port: number): readonly H2Connection[] {
    return this.pools.get(formatEndpoint(ip, port))?.dialled ?? [];
  }
}

/** One origin's connections and the requests waiting for a stream on them. */
class OriginPool {
  readonly dialled: H2Connection[] = [];
  private readonly conns: H2Connection[] = [];
  private dialing: H2Connection | undefined;
  private readonly waiting: Waiting[] = [];
  private readonly stack: TcpStack;

  constructor(
    private readonly o: H2ClientOptions,
    private readonly ip: IPv4,
    private readonly port: number,
    private readonly jitter: RandomStream,
  ) {
    this.stack = TcpStack.of(o.netns, o.scheduler, o.rng, o.tcp);
  }

  send(call: Call): () => void {
    const w: Waiting = { call, attempts: 0, cancelled: false };
    this.enqueue(w);
    return () => {
      if (w.cancelled) return;
      w.cancelled = true;
      const i = this.waiting.indexOf(w);
      if (i >= 0) this.waiting.splice(i, 1);
      if (w.conn && w.stream !== undefined) w.conn.cancel(w.stream);
    };
  }

  private enqueue(w: Waiting): void {
    this.waiting.push(w);
    this.pump();
  }

  /**
   * Hands waiting requests to connections in order (Go's getClientConn: the
   * first connection whose ReserveNewRequest succeeds). In strict mode a
   * usable connection always takes the request, which then waits for a slot.
   */
  private pump(): void {
    while (this.waiting.length > 0) {
      const conn = this.conns.find((c) => c.connectedAt !== undefined && c.canOpen);
      if (conn) {
        this.start(this.waiting.shift() as Waiting, conn);
        continue;
      }
      const usable = this.conns.some((c) => c.usable);
      if (this.dialing || (this.o.settings.strictMaxConcurrentStreams && usable)) return;
      this.dial();
      return;
    }
  }

  private start(w: Waiting, conn: H2Connection): void {
    w.attempts++;
    w.conn = conn;
    const stream = conn.open({
      id: w.call.id,
      requestBytes: w.call.requestBytes,
      responseBytes: w.call.responseBytes,
      done: (result, c, id) => this.finished(w, result, c, id),
    });
    w.stream = stream;
    if (stream !== undefined) w.call.started?.(conn, stream);
  }

  private finished(w: Waiting, result: StreamResult, conn: H2Connection, stream: number): void {
    if (w.cancelled) return;
    const retry = w.attempts - 1;
    if (result.failure === "unprocessed" && retry < MAX_RETRIES) {
      w.conn = undefined;
      w.stream = undefined;
      if (retry === 0) this.enqueue(w);
      else {
        const base = 2 ** (retry - 1);
        const delay = Math.round(s(base + base * 0.1 * this.jitter.next())) as Nanos;
        this.o.scheduler.after(delay, () => w.cancelled || this.enqueue(w), `h2client/${this.o.name}`);
      }
      return;
    }
    const error = result.failure === "unprocessed" ? "refused" : result.failure;
    w.call.done({ pod: result.pod, error, conn, stream, attempts: w.attempts });
  }

  private dial(): void {
    const conn = new H2Connection({
      stack: this.stack,
      scheduler: this.o.scheduler,
      ip: this.ip,
      port: this.port,
      settings: this.o.settings,
      events: {
        connected: () => this.dialDone(conn),
        slots: () => this.pump(),
        goaway: () => this.pump(),
        closed: (c, failure) => this.closed(c, failure),
      },
    });
    this.dialled.push(conn);
    if (conn.state === "closed") {
      this.failWaiting("no-port");
      return;
    }
    this.conns.push(conn);
    this.dialing = conn;
  }

  private dialDone(conn: H2Connection): void {
    if (this.dialing === conn) this.dialing = undefined;
    this.pump();
  }

  private closed(conn: H2Connection, failure: string | undefined): void {
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    if (this.dialing === conn) {
      this.dialing = undefined;
      // why: a failed dial fails the requests waiting on it (getClientConn returns the dial's error).
      if (conn.connectedAt === undefined && failure !== undefined && failure !== "unprocessed") {
        this.failWaiting(failure as NonNullable<StreamResult["failure"]>);
        return;
      }
    }
    this.pump();
  }

  private failWaiting(failure: NonNullable<StreamResult["failure"]>): void {
    const error = failure === "unprocessed" ? "refused" : failure;
    for (const w of this.waiting.splice(0)) w.call.done({ error, attempts: w.attempts });
  }
}
