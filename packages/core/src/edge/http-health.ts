import type { IPv4 } from "../net/index.ts";
import { formatIPv4 } from "../net/index.ts";
import type { TcpListener, TcpSocket, TcpStack } from "../workload/index.ts";

/**
 * The health-check dialect of HTTP/1.1, as the messages a TCP segment
 * carries: a `GET` from a load balancer's checker and the status line plus a
 * JSON body that kube-proxy's health servers write. Only what decides a
 * check is modelled (method, path, status, body); headers are counted in the
 * bytes on the wire, not represented.
 */
export interface HealthRequest {
  readonly kind: "http-request";
  readonly method: "GET";
  readonly path: string;
}

/** A health server's answer. */
export interface HealthResponse {
  readonly kind: "http-response";
  readonly status: number;
  /** The JSON body, e.g. `{"localEndpoints": 1}`. */
  readonly body: string;
}

/** Decides the answer to one request; undefined when the server is gone (nothing is written). */
export type HealthHandler = (path: string) => { status: number; body: string } | undefined;

/**
 * Bytes of a checker's request: `GET /healthz HTTP/1.1`, Host, User-Agent,
 * Connection and the blank line (about what an ELB or GCE checker sends).
 */
export function requestBytes(path: string, host: IPv4, port: number): number {
  return 90 + path.length + `${formatIPv4(host)}:${port}`.length;
}

/**
 * Bytes of a response: Go net/http's status line and headers
 * (Content-Type, X-Content-Type-Options, Date, Content-Length), then the body.
 */
export function responseBytes(body: string): number {
  return 150 + body.length;
}

/** True for a health-check request message. */
export function isHealthRequest(message: unknown): message is HealthRequest {
  return (message as { kind?: unknown } | undefined)?.kind === "http-request";
}

/** True for a health-check response message. */
export function isHealthResponse(message: unknown): message is HealthResponse {
  return (message as { kind?: unknown } | undefined)?.kind === "http-response";
}

/**
 * Listens on `port` and answers each request on a connection with
 * `handler(path)`. The connection stays open after the answer (Go's
 * net/http keeps alive); the server closes its side when the client does.
 */
export function serveHealth(stack: TcpStack, port: number, handler: HealthHandler): TcpListener {
  return stack.listen(port, (sock: TcpSocket) => {
    sock.handlers = {
      message: (message, _bytes, s) => {
        if (!isHealthRequest(message)) return;
        const answer = handler(message.path);
        if (answer === undefined) return;
        const response: HealthResponse = { kind: "http-response", status: answer.status, body: answer.body };
        s.send(responseBytes(answer.body), response);
      },
      peerClosed: (s) => s.close(),
    };
  });
}
