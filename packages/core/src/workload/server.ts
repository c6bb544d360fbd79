import type { Nanos, Rng, Scheduler } from "../engine/index.ts";
import type { NetNamespace } from "../net/index.ts";
import type { AppMessage } from "./messages.ts";
import { type ServiceTime, serviceTimeSampler } from "./service-time.ts";
import { type TcpConfig, type TcpListener, type TcpSocket, TcpStack } from "./tcp/index.ts";
import { type UdpPeer, UdpSocket } from "./udp.ts";
import { WorkerPool } from "./workers.ts";

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
  /** Called once per request served. */
  onRequest?: (pod: string) => void;
}

/** One accepted connection's application state. */
interface Conn {
  readonly sock: TcpSocket;
  /** Requests read and not yet answered. */
  pending: number;
  /** The client closed its side: close ours once everything is answered. */
  eof: boolean;
}

/**
 * A request/response server in a Pod: it listens on its container port and
 * answers each request after its service time with a response of
 * `responseBytes`. Over TCP it reads requests from every accepted connection
 * and, when the client closes, closes its side once its answers are written
 * (a response written after the client closed is what the client's kernel
 * then resets). Over UDP it answers each datagram from the port it reached.
 */
export class RequestServer {
  /** Requests answered. */
  served = 0;
  private readonly listener: TcpListener | undefined;
  private readonly udp: UdpSocket | undefined;
  private readonly workers: WorkerPool;
  private readonly draw: () => Nanos;

  constructor(private readonly o: ServerOptions) {
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
  }

  /** Stops listening (new connections are then refused by the kernel); open connections go on. */
  close(): void {
    this.listener?.close();
    this.udp?.close();
  }

  private accept(sock: TcpSocket): void {
    const conn: Conn = { sock, pending: 0, eof: false };
    sock.handlers = {
      message: (m) => {
        const request = m as AppMessage;
        if (request.kind !== "request") return;
        conn.pending++;
        this.serve(request, (response) => {
          conn.pending--;
          sock.send(Math.max(1, response.bytes), response);
          if (conn.eof && conn.pending === 0) sock.close();
        });
      },
      peerClosed: () => {
        conn.eof = true;
        if (conn.pending === 0) sock.close();
      },
    };
  }

  private datagram(m: unknown, from: UdpPeer): void {
    const request = m as AppMessage | undefined;
    if (request?.kind !== "request") return;
    this.serve(request, (response) => this.udp?.sendTo(from, response.bytes, response));
  }

  private serve(request: AppMessage, reply: (response: AppMessage) => void): void {
    this.workers.run(this.draw, () => {
      this.served++;
      this.o.onRequest?.(this.o.pod);
      reply({ kind: "response", id: request.id, bytes: this.o.responseBytes, pod: this.o.pod });
    });
  }
}
