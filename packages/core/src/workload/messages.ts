/**
 * Application messages carried as packet payloads. The network never reads
 * them; only the endpoints do (like an HTTP response naming the Pod that
 * served it, which is how real load tests attribute requests).
 */
export type AppMessage =
  | { readonly kind: "request"; readonly id: number; readonly bytes: number }
  | {
      readonly kind: "response";
      readonly id: number;
      readonly bytes: number;
      readonly pod: string;
      /** HTTP/1.1 `Connection: close`: the server closes the connection after this response (it is draining). */
      readonly close?: boolean;
      /**
       * The client address the server's application saw, `ip:port` (the
       * PROXY header's source, or the TCP/UDP peer), echoed back as an
       * echo server does (the Kubernetes source-IP tutorial's echoserver
       * prints `client_address`).
       */
      readonly source?: string;
    };

/** Why a request failed, as the client application sees it. */
export type RequestError =
  /** The application's own timeout expired (a DROP, a blackhole, a slow server). */
  | "timeout"
  /**
   * The connection was never established in time: SYN retransmissions ran out
   * (ETIMEDOUT after tcp_syn_retries) or the application's connect timeout fired.
   */
  | "connect-timeout"
  /** The connection was reset (ECONNRESET, EPIPE): a RST on an established connection. */
  | "reset"
  /**
   * ECONNREFUSED: a RST answered the SYN (nothing listens on the port) or ICMP
   * port unreachable arrived (kube-proxy's REJECT for a Service with no endpoints).
   */
  | "refused"
  /** Another ICMP destination-unreachable or time-exceeded error (EHOSTUNREACH, ENETUNREACH). */
  | "unreachable"
  /** The server closed the connection before answering (read() returned 0). */
  | "closed"
  /** No local port left for the connection (EADDRNOTAVAIL). */
  | "no-port"
  /** The target (a Pod or Service by name) does not exist at send time. */
  | "no-target"
  /**
   * gRPC UNAVAILABLE: no subchannel could carry the call (name resolution
   * failed, or every subchannel is in TRANSIENT_FAILURE and the call is not
   * wait-for-ready).
   */
  | "unavailable"
  /**
   * Name resolution failed before any connection (getaddrinfo's error, as the
   * Pod's stub resolver ended its search): NXDOMAIN (EAI_NONAME), NODATA,
   * SERVFAIL or no answer (EAI_AGAIN), ECONNREFUSED from the nameserver, or
   * an answer without an IPv4 address.
   */
  | "dns-nxdomain"
  | "dns-nodata"
  | "dns-servfail"
  | "dns-timeout"
  | "dns-refused"
  | "dns-no-address";

/** One request, from the client's point of view. */
export interface RequestRecord {
  readonly id: number;
  readonly client: string;
  readonly protocol: "TCP" | "UDP";
  /** Simulated start time (ns). */
  readonly start: number;
  /** Simulated end time (ns), when it finished either way. */
  end?: number;
  /** When the TCP handshake completed (ns). */
  connected?: number;
  /** The Pod that served it (from the response). */
  pod?: string;
  /** The client address the serving Pod's application saw, `ip:port` (from the response). */
  source?: string;
  /** The client's local port: identifies the connection. */
  localPort?: number;
  /** The connection's endpoints as `ip:port` text, as the client saw them. */
  local?: string;
  remote?: string;
  /** Datagrams sent (UDP: 1 + retries used); HTTP/2 and gRPC: 1 + transparent retries of unprocessed streams. */
  attempts?: number;
  /** HTTP/2 and gRPC: the stream id the request went out on (its connection is `localPort`). */
  stream?: number;
  /** Segments the client's TCP retransmitted (SYNs included). */
  retransmissions?: number;
  /** HTTP/1.1 keep-alive pools: the request went out on a connection an earlier request had used. */
  reused?: boolean;
  error?: RequestError;
}
