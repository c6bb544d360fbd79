import type { EventHandle } from "../../engine/index.ts";
import { formatEndpoint } from "../../net/index.ts";
import type { RequestError, RequestRecord } from "../messages.ts";
import type { TcpErrno, TcpSocket } from "../tcp/index.ts";

/** Where a pooled connection stands. */
export type Http1ConnState = "resolving" | "connecting" | "idle" | "busy" | "closed";

/** A request waiting for, or riding on, a pooled connection. */
export interface Http1Waiter {
  readonly record: RequestRecord;
  readonly requestBytes: number;
  readonly done: (error?: RequestError) => void;
  /** The connection carrying it, once assigned. */
  conn?: Http1Conn;
  /** A dial started on its behalf and not finished yet. */
  dialing?: Http1Conn;
  /** Finished either way (answered, failed, or abandoned by its deadline). */
  finished: boolean;
}

/**
 * One HTTP/1.1 connection of an agent: its socket, where it stands, and the
 * request it carries — at most one at a time (no pipelining, as neither Go's
 * Transport nor Node's agent pipelines).
 */
export class Http1Conn {
  state: Http1ConnState = "resolving";
  sock: TcpSocket | undefined;
  /** Requests it has carried (the first makes it "used"; later ones are reuses). */
  uses = 0;
  /** When the handshake completed (ns). */
  connectedAt: number | undefined;
  /** The request it carries now. */
  current: Http1Waiter | undefined;
  /** The current request has had response bytes (a retry would no longer be safe). */
  responseStarted = false;
  /** The idle-timeout or connect-timeout timer. */
  timer: EventHandle | undefined;
  /** The waiter it was dialed for (Node: its owner; Go: the first to be offered it). */
  dialedFor: Http1Waiter | undefined;
  /** The server asked to close after the response (`Connection: close`). */
  closeAfter = false;

  constructor(readonly id: number) {}

  /** Fills a request's record with this connection's endpoints. */
  describe(record: RequestRecord): void {
    const { sock } = this;
    if (!sock) return;
    record.localPort = sock.localPort;
    record.local = formatEndpoint(sock.localIp, sock.localPort);
    record.remote = formatEndpoint(sock.remoteIp, sock.remotePort);
    if (this.connectedAt !== undefined) record.connected = this.connectedAt;
    record.reused = this.uses > 1;
    record.retransmissions = sock.retransmissions;
  }
}

/** How a socket's errno reaches an HTTP client (the dial's error, or the read's). */
// why: connect(2) reports ECONNREFUSED for a RST to the SYN or ICMP port unreachable and
// ETIMEDOUT when SYN retries run out; read(2) reports ECONNRESET/EPIPE for a RST later.
export function httpError(errno: TcpErrno, connected: boolean): RequestError {
  switch (errno) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
      return "reset";
    case "ETIMEDOUT":
      return connected ? "timeout" : "connect-timeout";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "unreachable";
  }
}
