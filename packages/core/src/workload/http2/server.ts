import type { Nanos, RandomStream, Rng, Scheduler } from "../../engine/index.ts";
import type { NetNamespace } from "../../net/index.ts";
import { type PodApp, PodApps } from "../lifecycle.ts";
import {
  checkProxyHeader,
  noProxyProtocolErrors,
  type ProxyProtocolErrors,
  type ServedSource,
  tcpSource,
} from "../proxy-protocol.ts";
import { type ServiceTime, serviceTimeSampler } from "../service-time.ts";
import { type TcpConfig, type TcpListener, type TcpSocket, TcpStack } from "../tcp/index.ts";
import { WorkerPool } from "../workers.ts";
import { H2ServerConn } from "./server-conn.ts";
import type { H2ServerSettings } from "./settings.ts";

/**
 * grpc-go keepalive.ServerParameters MaxConnectionAge / MaxConnectionAgeGrace
 * (both infinite by default): after the age, ±10% jitter, the connection is
 * drained with GOAWAY; after the grace it is closed, answered or not.
 */
export interface ConnectionAge {
  readonly maxAge: Nanos;
  /** Undefined: wait for in-flight streams as long as they take. */
  readonly grace?: Nanos;
}

/** What an HTTP/2 server needs. */
export interface H2ServerOptions {
  /** The Pod's key (`namespace/name`), written into responses. */
  pod: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  rng: Rng;
  port: number;
  settings: H2ServerSettings;
  /** Response body/message octets; default: what each request asks for. */
  responseBytes?: number;
  /** A constant service time, or a distribution drawn from `workload/h2server/<pod>:<port>`. */
  serviceTime: Nanos | ServiceTime;
  /** Requests served at once; more wait in FIFO order. Unlimited when absent. */
  workers?: number;
  maxConnectionAge?: ConnectionAge;
  tcp?: Partial<TcpConfig>;
  /** Called once per response written, with where the request came from as the Pod saw it. */
  onRequest?: (pod: string, source: ServedSource) => void;
  /** Expect a PROXY v2 header on each connection (see RequestServer's `proxyProtocol`). Default false. */
  proxyProtocol?: boolean;
}

/**
 * An HTTP/2 (or gRPC) server in a Pod: it listens on its port, multiplexes
 * request streams on each accepted connection, serves them through a worker
 * pool, and drains connections with GOAWAY — on `drain()`, on SIGTERM
 * (GracefulStop: stop listening, GOAWAY, exit once every connection is
 * closed) or when a connection reaches its maximum age. It registers with
 * its namespace's {@link PodApps} so probes and signals reach it.
 */
export class H2Server implements PodApp {
  readonly protocol = "TCP";
  /** running → draining (SIGTERM) → dead (exited, killed or crashed). */
  phase: "running" | "draining" | "dead" = "running";
  /** Responses written. */
  served = 0;
  /** Connections accepted. */
  accepted = 0;
  /** Connections closed unserved because of the PROXY header (or its absence), by cause. */
  readonly proxyErrors: ProxyProtocolErrors = noProxyProtocolErrors();
  private readonly conns = new Set<H2ServerConn>();
  private readonly listener: TcpListener;
  private readonly workers: WorkerPool;
  private readonly draw: () => Nanos;
  private readonly ageJitter: RandomStream;
  private exited: (() => void) | undefined;

  constructor(private readonly o: H2ServerOptions) {
    const spec: ServiceTime =
      typeof o.serviceTime === "number" ? { kind: "constant", value: o.serviceTime } : o.serviceTime;
    const path = `workload/h2server/${o.pod}:${o.port}`;
    this.draw = serviceTimeSampler(spec, o.rng.stream(path));
    this.ageJitter = o.rng.stream(`${path}/age-jitter`);
    this.workers = new WorkerPool(o.scheduler, o.workers, `h2server/${o.pod}`);
    this.listener = TcpStack.of(o.netns, o.scheduler, o.rng, o.tcp).listen(o.port, (sock) => {
      this.accepted++;
      const conn = new H2ServerConn(sock, {
        pod: o.pod,
        scheduler: o.scheduler,
        settings: o.settings,
        responseBytes: o.responseBytes,
        serve: (done) => this.workers.run(this.draw, done),
        answered: () => {
          this.served++;
          o.onRequest?.(o.pod, tcpSource(sock, o.proxyProtocol === true));
        },
        gone: (c) => {
          this.conns.delete(c);
          this.maybeExited();
        },
      });
      this.conns.add(conn);
      this.gateFirstData(sock, conn);
      this.scheduleAge(conn);
    });
    PodApps.of(o.netns).add(this);
  }

  /** The container port. */
  get port(): number {
    return this.o.port;
  }

  /** Open connections. */
  get connections(): number {
    return this.conns.size;
  }

  /** Gracefully drains every open connection with GOAWAY (a server's GracefulStop / Shutdown). */
  drain(): void {
    for (const conn of [...this.conns]) conn.startDrain();
  }

  /** Stops listening: new connections are refused by the kernel; open ones go on. */
  close(): void {
    this.listener.close();
  }

  /** A health request (gRPC health check): SERVING while running. */
  probe(done: (success: boolean) => void): void {
    done(this.phase === "running");
  }

  // why: grpc-go Server.GracefulStop — stop listening, send GOAWAY on every
  // connection, wait for in-flight RPCs; the process exits when all are closed.
  sigterm(exited: () => void): void {
    if (this.phase !== "running") return;
    this.phase = "draining";
    this.exited = exited;
    this.listener.close();
    this.drain();
    this.maybeExited();
  }

  // why: the process dies; the kernel closes its sockets (FIN after queued data).
  sigkill(): void {
    if (this.phase === "dead") return;
    this.phase = "dead";
    this.exited = undefined;
    this.listener.close();
    for (const conn of [...this.conns]) conn.close();
  }

  // why: the namespace vanished: sockets go without a packet.
  crash(): void {
    this.phase = "dead";
    this.exited = undefined;
    this.listener.close();
    for (const conn of [...this.conns]) conn.sock.handlers = {};
    this.conns.clear();
  }

  /** The connection's first bytes decide whether it is served: the PROXY header, or its absence. */
  private gateFirstData(sock: TcpSocket, conn: H2ServerConn): void {
    const inner = sock.handlers.message;
    let checked = false;
    sock.handlers.message = (m, bytes, s) => {
      if (!checked) {
        checked = true;
        const error = checkProxyHeader(s, this.o.proxyProtocol === true);
        if (error !== undefined) {
          this.proxyErrors[error]++;
          conn.close();
          return;
        }
      }
      inner?.(m, bytes, s);
    };
  }

  private maybeExited(): void {
    if (this.phase !== "draining" || this.conns.size > 0) return;
    const exited = this.exited;
    this.exited = undefined;
    exited?.();
  }

  private scheduleAge(conn: H2ServerConn): void {
    const age = this.o.maxConnectionAge;
    if (!age) return;
    // why: grpc-go newHTTP2Server adds getJitter(MaxConnectionAge): uniform in
    // [−age/10, +age/10) ("a jitter of +/-10%"), so that connections made together
    // do not all come back together.
    const r = Math.floor(age.maxAge / 10);
    const jitter = r > 0 ? this.ageJitter.int(2 * r) - r : 0;
    conn.timer((age.maxAge + jitter) as Nanos, () => {
      conn.startDrain();
      // why: grpc-go keepalive(): after MaxConnectionAgeGrace the transport is closed.
      if (age.grace !== undefined) conn.timer(age.grace, () => conn.close());
    });
  }
}
