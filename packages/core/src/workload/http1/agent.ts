import type { Rng, Scheduler } from "../../engine/index.ts";
import type { IPv4, NetNamespace } from "../../net/index.ts";
import type { CarriedRequest, RequestCarrier } from "../loadgen-carrier.ts";
import type { AppMessage, RequestError } from "../messages.ts";
import { type TcpConfig, type TcpErrno, TcpStack } from "../tcp/index.ts";
import { Http1Conn, type Http1Waiter, httpError } from "./conn.ts";
import type { Http1AgentConfig } from "./presets.ts";

/** Where a new connection goes. */
export interface Http1Target {
  readonly ip: IPv4;
  readonly port: number;
}

/**
 * Finds where to connect, once per dial: a fixed address answers at once; a
 * host name is looked up again for every new connection (Go's Dialer and
 * Node's `net.connect` both resolve on each dial), so its answer can differ.
 */
export type TargetLookup = (done: (target: Http1Target | RequestError) => void) => void;

/** What an agent needs. */
export interface Http1AgentOptions {
  /** The client's name (names scheduler events). */
  name: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  /** For the namespace's TCP stack (ISNs). */
  rng: Rng;
  /** The namespace's TCP sysctls, if its stack is made here. */
  tcp?: Partial<TcpConfig>;
  config: Http1AgentConfig;
  target: TargetLookup;
}

/** What an agent did with its connections. */
export interface Http1AgentStats {
  /** Dials started. */
  dials: number;
  /** Handshakes completed. */
  connected: number;
  /** Requests that went out on an idle connection. */
  reuses: number;
  /** Connections closed because the idle list was full (Go's errTooManyIdleHost, Node's maxFreeSockets). */
  closedIdleLimit: number;
  /** Idle connections closed by the idle timeout. */
  closedIdleTimeout: number;
  /** Connections the server closed (a FIN or RST), idle or in use. */
  closedByServer: number;
  /** Requests sent again after failing on a reused connection. */
  retries: number;
}

/**
 * An HTTP/1.1 connection pool to one host, in the shape shared by Node's
 * `http.Agent` and Go's `http.Transport` (see `presets.ts` for each one's
 * rules): one request at a time per connection; a request takes an idle
 * connection (most or least recently used) or dials a new one while below
 * `maxSocketsPerHost`, and otherwise waits, FIFO; a connection freed by a
 * response goes to the oldest waiter, else to the idle list (closed when the
 * list is full, when keep-alive is off, or when the response said
 * `Connection: close`); idle connections close after `idleTimeout`, and are
 * dropped when the server closes them.
 */
export class Http1Agent implements RequestCarrier {
  readonly stats: Http1AgentStats = {
    dials: 0,
    connected: 0,
    reuses: 0,
    closedIdleLimit: 0,
    closedIdleTimeout: 0,
    closedByServer: 0,
    retries: 0,
  };
  private readonly conns = new Set<Http1Conn>();
  /** Idle connections, most recently used at the end. */
  private readonly idle: Http1Conn[] = [];
  private readonly waiting: Http1Waiter[] = [];
  private nextConn = 1;
  private readonly component: string;

  constructor(private readonly o: Http1AgentOptions) {
    this.component = `client/${o.name}`;
  }

  /** Connections open or being opened now. */
  get open(): number {
    return this.conns.size;
  }

  /** Idle connections now. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Requests waiting for a connection now. */
  get queued(): number {
    return this.waiting.length;
  }

  send(request: CarriedRequest): () => void {
    const w: Http1Waiter = {
      record: request.record,
      requestBytes: request.requestBytes,
      done: request.done,
      finished: false,
    };
    this.acquire(w);
    return () => this.abandon(w);
  }

  private acquire(w: Http1Waiter): void {
    const conn = this.o.config.scheduling === "lifo" ? this.idle.pop() : this.idle.shift();
    if (conn) {
      this.o.scheduler.cancel(conn.timer);
      this.stats.reuses++;
      this.assign(w, conn);
      return;
    }
    this.waiting.push(w);
    if (this.conns.size < this.o.config.maxSocketsPerHost) this.dial(w);
  }

  private dial(w: Http1Waiter): void {
    const { o } = this;
    const conn = new Http1Conn(this.nextConn++);
    conn.dialedFor = w;
    w.dialing = conn;
    this.conns.add(conn);
    this.stats.dials++;
    const timeout = o.config.connectTimeout;
    // why: Go's Dialer.Timeout bounds the whole dial, name resolution included.
    if (timeout !== undefined) conn.timer = o.scheduler.after(timeout, () => this.dialFailed(conn, "connect-timeout"));
    o.target((target) => {
      if (conn.state === "closed") return;
      if (typeof target === "string") {
        this.dialFailed(conn, target);
        return;
      }
      conn.state = "connecting";
      const stack = TcpStack.of(o.netns, o.scheduler, o.rng, o.tcp);
      const sock = stack.connect(target.ip, target.port, {
        handlers: {
          connected: () => this.connected(conn),
          message: (m) => this.response(conn, m as AppMessage),
          peerClosed: () => this.serverClosed(conn, "closed"),
          error: (errno) => this.socketError(conn, errno),
        },
      });
      if (sock === undefined) this.dialFailed(conn, "no-port");
      else conn.sock = sock;
    });
  }

  private connected(conn: Http1Conn): void {
    this.o.scheduler.cancel(conn.timer);
    conn.connectedAt = this.o.scheduler.now;
    this.stats.connected++;
    this.release(conn);
  }

  /** A connection is free (just connected, or its response is in): who gets it. */
  private release(conn: Http1Conn): void {
    const { config } = this.o;
    conn.current = undefined;
    const owner = conn.dialedFor;
    conn.dialedFor = undefined;
    if (owner) owner.dialing = undefined;
    if (conn.uses > 0 && (!config.keepAlive || conn.closeAfter)) {
      this.drop(conn);
      return;
    }
    if (owner && !owner.finished && !owner.conn) {
      this.assign(owner, conn);
      return;
    }
    const next = this.waiting.find((w) => config.lateBinding || w.dialing === undefined);
    if (next) {
      this.assign(next, conn);
      return;
    }
    if (!config.keepAlive || this.idle.length >= config.maxIdlePerHost) {
      if (config.keepAlive) this.stats.closedIdleLimit++;
      this.drop(conn);
      return;
    }
    conn.state = "idle";
    this.idle.push(conn);
    const timeout = config.idleTimeout;
    if (timeout !== undefined) {
      conn.timer = this.o.scheduler.after(
        timeout,
        () => {
          this.stats.closedIdleTimeout++;
          this.drop(conn);
        },
        this.component,
      );
    }
  }

  private assign(w: Http1Waiter, conn: Http1Conn): void {
    this.unqueue(w);
    conn.state = "busy";
    conn.current = w;
    conn.uses++;
    w.conn = conn;
    w.record.attempts = (w.record.attempts ?? 0) + 1;
    conn.describe(w.record);
    const request: AppMessage = { kind: "request", id: w.record.id, bytes: w.requestBytes };
    // A TCP message needs a byte: an empty request is sent as one.
    if (!conn.sock?.send(Math.max(1, w.requestBytes), request)) this.failRequest(conn, "closed");
  }

  private response(conn: Http1Conn, response: AppMessage): void {
    const w = conn.current;
    if (response.kind !== "response" || !w || response.id !== w.record.id) return;
    w.record.pod = response.pod;
    if (response.source !== undefined) w.record.source = response.source;
    // why: a response with `Connection: close` ends the connection after it (Go: resp.Close →
    // the persistConn is not returned to the pool; Node: shouldKeepAlive false → destroy).
    if (response.close) conn.closeAfter = true;
    if (conn.sock) w.record.retransmissions = conn.sock.retransmissions;
    this.finish(w, undefined);
    this.release(conn);
  }

  private socketError(conn: Http1Conn, errno: TcpErrno): void {
    if (conn.state === "resolving" || conn.state === "connecting") this.dialFailed(conn, httpError(errno, false));
    else this.serverClosed(conn, httpError(errno, true));
  }

  /** The server closed (FIN) or reset the connection. */
  private serverClosed(conn: Http1Conn, error: RequestError): void {
    if (conn.state === "closed") return;
    this.stats.closedByServer++;
    if (conn.state === "busy") this.failRequest(conn, error);
    else this.drop(conn);
  }

  /** The request in flight on `conn` failed with it; Go sends it again if the connection was reused. */
  private failRequest(conn: Http1Conn, error: RequestError): void {
    const w = conn.current;
    this.drop(conn);
    if (!w || w.finished) return;
    w.conn = undefined;
    // why: Go's (*persistConn).shouldRetryRequest / checkTransportResend — a replayable request
    // that failed on a reused connection before any response is retried on another one.
    if (this.o.config.retryReused && conn.uses > 1) {
      this.stats.retries++;
      this.acquire(w);
      return;
    }
    this.finish(w, error);
  }

  private dialFailed(conn: Http1Conn, error: RequestError): void {
    if (conn.state === "closed") return;
    const owner = conn.dialedFor;
    conn.dialedFor = undefined;
    if (owner) owner.dialing = undefined;
    // why: Go delivers a dial's error only to a getConn still waiting for it (tryDeliver);
    // Node's agent passes it to the request the socket was created for (req.onSocket(s, err)).
    const failOwner = owner !== undefined && !owner.finished && !owner.conn;
    if (failOwner) this.unqueue(owner);
    this.drop(conn);
    if (failOwner) this.finish(owner, error);
  }

  /** Its deadline passed: the request leaves the queue, or its connection is closed under it. */
  private abandon(w: Http1Waiter): void {
    if (w.finished) return;
    w.finished = true;
    this.unqueue(w);
    // why: Go's cancelation closes the persistConn carrying the request (pc.cancelRequest);
    // Node's req.destroy() destroys its socket, a connecting one included. A Go dial made for
    // the request goes on and its connection joins the pool (dialConnFor → putOrCloseIdleConn).
    if (w.conn) this.drop(w.conn);
    else if (w.dialing && !this.o.config.lateBinding) this.drop(w.dialing);
  }

  private unqueue(w: Http1Waiter): void {
    const at = this.waiting.indexOf(w);
    if (at >= 0) this.waiting.splice(at, 1);
  }

  private finish(w: Http1Waiter, error: RequestError | undefined): void {
    if (w.finished) return;
    w.finished = true;
    w.conn = undefined;
    w.done(error);
  }

  /** Closes a connection (FIN after its queued data) and forgets it; a waiter may now dial. */
  private drop(conn: Http1Conn): void {
    if (conn.state === "closed") return;
    conn.state = "closed";
    conn.current = undefined;
    this.o.scheduler.cancel(conn.timer);
    this.conns.delete(conn);
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    if (conn.dialedFor) conn.dialedFor.dialing = undefined;
    if (conn.sock) {
      conn.sock.handlers = {};
      conn.sock.close();
    }
    // why: a closed connection frees a slot under maxSocketsPerHost: Node's removeSocket creates
    // a socket for the first queued request; Go's decConnsPerHost lets the next waiter dial.
    while (this.conns.size < this.o.config.maxSocketsPerHost) {
      const next = this.waiting.find((w) => w.dialing === undefined);
      if (!next) break;
      this.dial(next);
    }
  }
}
