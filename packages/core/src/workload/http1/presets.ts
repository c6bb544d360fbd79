import { type Nanos, s } from "../../engine/index.ts";

/**
 * How an HTTP/1.1 client pools its connections to one host (`host:port`):
 * the knobs Node's `http.Agent` and Go's `http.Transport` share, in their
 * common meaning. `Infinity` means no limit.
 */
export interface Http1AgentConfig {
  /** Keep connections open after a response for later requests. */
  readonly keepAlive: boolean;
  /**
   * Connections per host, busy, idle and dialing together; a request that finds
   * none free and the limit reached waits, FIFO, for one to be freed.
   */
  readonly maxSocketsPerHost: number;
  /** Idle (free) connections kept per host; a connection freed beyond it is closed. */
  readonly maxIdlePerHost: number;
  /** A connection idle this long is closed by the client; undefined: never. */
  readonly idleTimeout: Nanos | undefined;
  /** Which idle connection a request takes: the most recently used (`lifo`) or the oldest (`fifo`). */
  readonly scheduling: "lifo" | "fifo";
  /**
   * A request without a free connection dials one and also takes the first
   * connection freed meanwhile, whichever comes first; the loser goes to the
   * idle pool (Go's "late binding"). False: the dial is the request's (Node).
   */
  readonly lateBinding: boolean;
  /**
   * A request that failed on a reused connection before any response byte is
   * sent again on another connection (Go, for idempotent requests); false:
   * the error reaches the application (Node: ECONNRESET, "socket hang up").
   */
  readonly retryReused: boolean;
  /** The dialer's connect timeout; undefined: the kernel's SYN retries (~127 s). */
  readonly connectTimeout: Nanos | undefined;
}

/** The name of a documented preset. */
export type Http1Preset = "node-agent" | "node-global-agent" | "go-transport";

/**
 * `new http.Agent({ keepAlive: true })` in Node.js: maxSockets
 * `Agent.defaultMaxSockets` (Infinity), maxFreeSockets 256, scheduling
 * `lifo` (the free list is popped from its end), no timeout on free sockets
 * (`options.timeout` unset). Without `keepAlive: true` a freed socket is
 * destroyed (`if (!req || !req.shouldKeepAlive || !this.keepAlive)`).
 */
// why: nodejs/node lib/_http_agent.js — Agent(): `this.maxSockets = this.options.maxSockets
// || Agent.defaultMaxSockets` (Infinity), `this.maxFreeSockets = this.options.maxFreeSockets || 256`,
// `this.scheduling = this.options.scheduling || 'lifo'`; addRequest: `freeSockets.pop()` for lifo,
// a new socket while `sockLen < this.maxSockets`, else `this.requests[name].push(req)`; the 'free'
// handler gives the socket to `requests.shift()` first, and destroys it when
// `freeLen >= this.maxFreeSockets`. No retry in the agent (ClientRequest only sets `reusedSocket`).
export const NODE_AGENT: Http1AgentConfig = {
  keepAlive: true,
  maxSocketsPerHost: Number.POSITIVE_INFINITY,
  maxIdlePerHost: 256,
  idleTimeout: undefined,
  scheduling: "lifo",
  lateBinding: false,
  retryReused: false,
  connectTimeout: undefined,
};

/**
 * Node.js's `http.globalAgent` (what `http.request`/`fetch`-less code uses by
 * default) since Node 19: `new Agent({ keepAlive: true, scheduling: 'lifo',
 * timeout: 5000 })`. The 5 s timeout is set on each socket put in the free
 * list (`keepSocketAlive` → `socket.setTimeout(agentTimeout)`), and a socket
 * that times out while free is destroyed (`installListeners` → `onTimeout`).
 */
// why: nodejs/node lib/_http_agent.js `module.exports = { Agent, globalAgent: new Agent({ keepAlive:
// true, scheduling: 'lifo', timeout: 5000 }) }` (Node ≥ 19; before it `new Agent()`, keepAlive false).
// The server's `Keep-Alive: timeout=N` hint (N s − 1 s) is not modelled: servers here send none.
export const NODE_GLOBAL_AGENT: Http1AgentConfig = { ...NODE_AGENT, idleTimeout: s(5) };

/**
 * Go's `http.DefaultTransport`: MaxIdleConns 100, MaxIdleConnsPerHost 0 →
 * `DefaultMaxIdleConnsPerHost` (2), MaxConnsPerHost 0 (no limit: every
 * request without an idle connection dials), IdleConnTimeout 90 s, the
 * dialer's Timeout 30 s. `getConn` queues for the next idle connection *and*
 * dials; `tryPutIdleConn` hands a freed connection to the oldest waiter
 * first and otherwise appends it to the idle list ("most recently used at
 * end"), closing it when the host already has MaxIdleConnsPerHost idle
 * (errTooManyIdleHost); `queueForIdleConn` takes `list[len(list)-1]`, the
 * most recently used. A dial that loses the race is put in the idle pool
 * (`dialConnFor` → `putOrCloseIdleConn`). A replayable request that fails
 * on a reused connection before any response is retried (`checkTransportResend`).
 * MaxIdleConns (100, across hosts) is not modelled: one host per agent here.
 */
// why: golang/go src/net/http/transport.go — DefaultTransport, DefaultMaxIdleConnsPerHost,
// getConn, queueForIdleConn, queueForDial, dialConnFor, tryPutIdleConn, (*persistConn).shouldRetryRequest.
export const GO_TRANSPORT: Http1AgentConfig = {
  keepAlive: true,
  maxSocketsPerHost: Number.POSITIVE_INFINITY,
  maxIdlePerHost: 2,
  idleTimeout: s(90),
  scheduling: "lifo",
  lateBinding: true,
  retryReused: true,
  connectTimeout: s(30),
};

/** The presets by name. */
export const HTTP1_PRESETS: Readonly<Record<Http1Preset, Http1AgentConfig>> = {
  "node-agent": NODE_AGENT,
  "node-global-agent": NODE_GLOBAL_AGENT,
  "go-transport": GO_TRANSPORT,
};

/** A preset with some fields overridden. */
export function http1AgentConfig(preset: Http1Preset, overrides: Partial<Http1AgentConfig> = {}): Http1AgentConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...HTTP1_PRESETS[preset], ...defined };
}
