import type { Nanos, Rng, Scheduler } from "../engine/index.ts";
import type { NetNamespace } from "../net/index.ts";
import { type PodApp, PodApps } from "./lifecycle.ts";
import { beginShutdown, killProcess, maybeExited, vanish } from "./lifecycle-shutdown.ts";
import type { AppMessage } from "./messages.ts";
import {
  checkProxyHeader,
  formatClient,
  noProxyProtocolErrors,
  type ProxyProtocolErrors,
  type ServedSource,
  tcpSource,
  udpSource,
} from "./proxy-protocol.ts";
import { type ServiceTime, serviceTimeSampler } from "./service-time.ts";
import { type TcpConfig, type TcpListener, type TcpSocket, TcpStack } from "./tcp/index.ts";
import { type UdpPeer, UdpSocket } from "./udp.ts";
import { WorkerPool } from "./workers.ts";

/**
 * What the application does on SIGTERM: `drain` shuts down gracefully (Go's
 * `http.Server.Shutdown`, the common case for a server with a signal
 * handler); `exit` dies at once (Node or Python without a handler: the
 * default action); `ignore` carries on until SIGKILL (a process that is the
 * PID namespace's init and installs no handler).
 */
export type SigtermBehaviour = "drain" | "exit" | "ignore";

/** What a server needs to know. */
export interface ServerOptions {
  /** The Pod's name, written into responses (`namespace/name`). */
  pod: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  /** For the namespace's TCP stack and the service-time stream. */
  rng: Rng;
  protocol: "TCP" | "UDP";
  port: number;
  responseBytes: number;
  /** A constant service time, or a distribution drawn from `workload/server/<pod>:<port>`. */
  serviceTime: Nanos | ServiceTime;
  /** Requests served at once; more wait in FIFO order. Unlimited when absent. */
  workers?: number;
  /** The namespace's TCP sysctls, if its stack is made here. */
  tcp?: Partial<TcpConfig>;
  /** Called once per request served, with where it came from as the Pod saw it. */
  onRequest?: (pod: string, source: ServedSource) => void;
  /**
   * TCP: the server expects a PROXY v2 header before each connection's data
   * (nginx `listen … proxy_protocol`, Envoy's proxy_protocol listener
   * filter) and takes the client's address from it. A connection without
   * one is closed unserved, as is a header sent to a server without it
   * (see {@link ProxyProtocolError}). Default false.
   */
  proxyProtocol?: boolean;
  /** UDP: answer each datagram (default true); false for a sink such as a statsd server. */
  reply?: boolean;
  /** Default `drain`. */
  sigterm?: SigtermBehaviour;
}

/** One accepted connection's application state. */
export interface ServerConn {
  readonly sock: TcpSocket;
  /** Requests read and not yet answered. */
  pending: number;
  /** Of those, requests still waiting for a worker (their bytes unread by the application). */
  queued: number;
  /** The client closed its side: close ours once everything is answered. */
  eof: boolean;
  /** Where its requests come from; set when its first request is read. */
  source?: ServedSource;
}

/**
 * A request/response server in a Pod: it listens on its container port and
 * answers each request after its service time with a response of
 * `responseBytes`. Over TCP it reads requests from every accepted connection
 * and, when the client closes, closes its side once its answers are written
 * (a response written after the client closed is what the client's kernel
 * then resets). Over UDP it answers each datagram from the port it reached,
 * unless it is a sink. It registers with its namespace's {@link PodApps}, so
 * the kubelet's probes and signals reach it (see `lifecycle-shutdown.ts` for
 * what each signal does).
 */
export class RequestServer implements PodApp {
  /** Requests answered. */
  served = 0;
  /** Connections closed unserved because of the PROXY header (or its absence), by cause. */
  readonly proxyErrors: ProxyProtocolErrors = noProxyProtocolErrors();
  readonly protocol: "TCP" | "UDP";
  readonly port: number;
  /** @internal */ phase: "running" | "draining" | "dead" = "running";
  /** @internal Connections the application still has open. */ readonly conns = new Set<ServerConn>();
  /** @internal Every socket of this server not yet CLOSED in the kernel. */ readonly sockets = new Set<TcpSocket>();
  /** @internal */ readonly listener: TcpListener | undefined;
  /** @internal */ readonly udp: UdpSocket | undefined;
  /** @internal */ readonly drainHooks: (() => void)[] = [];
  /** @internal Called once the application has finished draining. */ exited: (() => void) | undefined;
  private readonly workers: WorkerPool;
  private readonly draw: () => Nanos;

  constructor(readonly o: ServerOptions) {
    this.protocol = o.protocol;
    this.port = o.port;
    const spec: ServiceTime =
      typeof o.serviceTime === "number" ? { kind: "constant", value: o.serviceTime } : o.serviceTime;
    this.draw = serviceTimeSampler(spec, o.rng.stream(`workload/server/${o.pod}:${o.port}`));
    this.workers = new WorkerPool(o.scheduler, o.workers, `server/${o.pod}`);
    if (o.protocol === "TCP") {
      this.listener = TcpStack.of(o.netns, o.scheduler, o.rng, o.tcp).listen(o.port, (sock) => this.accept(sock));
    } else {
      this.udp = new UdpSocket(o.netns);
      this.udp.bind(o.port);
      this.udp.handlers = { message: (m, _bytes, from) => this.datagram(m, from) };
    }
    PodApps.of(o.netns).add(this);
  }

  /**
   * True from SIGTERM on, while the server drains: HTTP/1.1 responses then
   * carry `Connection: close` (`close: true` on the response message) and the
   * connection is closed after them.
   */
  get draining(): boolean {
    return this.phase === "draining";
  }

  /** Runs `hook` when draining starts (an HTTP/2 server sends GOAWAY there). */
  onDrain(hook: () => void): void {
    this.drainHooks.push(hook);
  }

  /** Stops listening (new connections are then refused by the kernel); open connections go on. */
  close(): void {
    this.listener?.close();
    this.udp?.close();
  }

  /** A health request: answered once a worker is free, with success unless the server is shutting down. */
  probe(done: (success: boolean) => void): void {
    if (this.phase !== "running") {
      done(false);
      return;
    }
    this.workers.run(
      () => 0 as Nanos,
      () => {
        // why: a killed process never answers; the kubelet's timeout fails the probe.
        if (this.phase !== "dead") done(this.phase === "running");
      },
    );
  }

  sigterm(exited: () => void): void {
    beginShutdown(this, this.o.sigterm ?? "drain", exited);
  }

  sigkill(): void {
    killProcess(this);
  }

  crash(): void {
    vanish(this);
  }

  /** @internal Closes a connection from the application side (FIN after the queued data). */
  closeConn(conn: ServerConn): void {
    this.conns.delete(conn);
    conn.sock.close();
    if (this.phase === "draining") maybeExited(this);
  }

  private accept(sock: TcpSocket): void {
    this.sockets.add(sock);
    const conn: ServerConn = { sock, pending: 0, queued: 0, eof: false };
    sock.handlers = {
      message: (m) => {
        const request = m as AppMessage;
        if (request.kind !== "request") return;
        if (conn.source === undefined && !this.admit(conn)) return;
        conn.pending++;
        conn.queued++;
        this.serve(request, conn.source as ServedSource, conn, (response) => {
          conn.pending--;
          sock.send(Math.max(1, response.bytes), response);
          if ((conn.eof || this.phase === "draining") && conn.pending === 0) this.closeConn(conn);
        });
      },
      peerClosed: () => {
        conn.eof = true;
        if (conn.pending === 0) this.closeConn(conn);
      },
      closed: () => {
        this.sockets.delete(sock);
        if (this.conns.delete(conn) && this.phase === "draining") maybeExited(this);
      },
    };
    this.conns.add(conn);
    // why: the listener is closed once shutdown begins; a handshake that completes
    // afterwards belonged to its queue, which inet_csk_listen_stop resets.
    if (this.phase !== "running") sock.abort();
  }

  /**
   * Reads the connection's first bytes as the server would: the PROXY header
   * (or its absence) decides whether it is served. False when it was closed.
   */
  private admit(conn: ServerConn): boolean {
    const proxyProtocol = this.o.proxyProtocol === true;
    const error = checkProxyHeader(conn.sock, proxyProtocol);
    if (error !== undefined) {
      this.proxyErrors[error]++;
      // why: the application read the bytes and closes: FIN, and the client reads EOF before any answer.
      this.closeConn(conn);
      return false;
    }
    conn.source = tcpSource(conn.sock, proxyProtocol);
    return true;
  }

  private datagram(m: unknown, from: UdpPeer): void {
    const request = m as AppMessage | undefined;
    if (request?.kind !== "request") return;
    this.serve(request, udpSource(from), undefined, (response) => {
      // why: a UDP server shutting down has closed its socket: answers still in service are lost.
      if (this.o.reply !== false && this.phase === "running") this.udp?.sendTo(from, response.bytes, response);
    });
  }

  private serve(
    request: AppMessage,
    source: ServedSource,
    conn: ServerConn | undefined,
    reply: (response: AppMessage) => void,
  ): void {
    const duration = () => {
      if (conn) conn.queued--;
      return this.draw();
    };
    this.workers.run(duration, () => {
      if (this.phase === "dead") return;
      this.served++;
      this.o.onRequest?.(this.o.pod, source);
      const close = this.phase === "draining" ? { close: true } : {};
      const bytes = this.o.responseBytes;
      reply({ kind: "response", id: request.id, bytes, pod: this.o.pod, source: formatClient(source), ...close });
    });
  }
}
