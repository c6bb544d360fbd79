import { formatEndpoint, type IPv4 } from "../net/index.ts";
import type { TcpSocket } from "./tcp/index.ts";
import type { UdpPeer } from "./udp.ts";

/**
 * Where a served request came from, as the serving Pod saw it. `peer` is the
 * transport peer (what getpeername() returns): the address after every SNAT
 * on the way (kube-proxy's MASQUERADE, a load balancer that proxies).
 * `client` is the address the application believes is the client: the PROXY
 * v2 header's source when the server speaks PROXY protocol, else the peer.
 */
export interface ServedSource {
  readonly peer: IPv4;
  readonly peerPort: number;
  readonly client: IPv4;
  readonly clientPort: number;
  /** True when `client` came from a PROXY v2 header. */
  readonly proxied: boolean;
}

/**
 * Why a server closed a connection without serving it:
 *
 * - `proxy-header-missing`: the server expects PROXY protocol and the first
 *   bytes are not a PROXY header. nginx (`listen … proxy_protocol`) logs
 *   `broken header: "…" while reading PROXY protocol` and closes the
 *   connection (ngx_http_wait_request_handler: ngx_proxy_protocol_read()
 *   returns NULL → ngx_http_close_connection); Envoy's proxy_protocol
 *   listener filter closes it too ("the Proxy Protocol must be present on the
 *   connection", envoyproxy.io listener_filters/proxy_protocol). The
 *   protocol forbids guessing (proxy-protocol.txt section 2: a receiver must
 *   not try to detect whether the header is present).
 * - `proxy-header-unexpected`: a header reached a server that does not
 *   speak the protocol: its 28 binary bytes are the start of the request,
 *   which the server cannot parse (an HTTP server answers 400 and closes).
 */
export type ProxyProtocolError = "proxy-header-missing" | "proxy-header-unexpected";

/** The source of requests on a TCP connection, for a server with or without PROXY protocol. */
export function tcpSource(sock: TcpSocket, proxyProtocol: boolean): ServedSource {
  const header = proxyProtocol ? sock.proxyHeader : undefined;
  return {
    peer: sock.remoteIp,
    peerPort: sock.remotePort,
    client: header?.src ?? sock.remoteIp,
    clientPort: header?.srcPort ?? sock.remotePort,
    proxied: header !== undefined,
  };
}

/** The source of a datagram. Simplified: PROXY protocol over UDP (DGRAM) is not modelled. */
export function udpSource(from: UdpPeer): ServedSource {
  return { peer: from.ip, peerPort: from.port, client: from.ip, clientPort: from.port, proxied: false };
}

/** `ip:port` of the client the application believes in. */
export function formatClient(source: ServedSource): string {
  return formatEndpoint(source.client, source.clientPort);
}

/**
 * Checks a connection's first data against the server's setting, as the
 * server reads it: undefined when the connection may be served.
 */
export function checkProxyHeader(sock: TcpSocket, proxyProtocol: boolean): ProxyProtocolError | undefined {
  const present = sock.proxyHeader !== undefined;
  if (proxyProtocol && !present) return "proxy-header-missing";
  if (!proxyProtocol && present) return "proxy-header-unexpected";
  return undefined;
}

/** Counts of connections a server closed unserved, by cause. */
export type ProxyProtocolErrors = Record<ProxyProtocolError, number>;

/** Zero counts. */
export function noProxyProtocolErrors(): ProxyProtocolErrors {
  return { "proxy-header-missing": 0, "proxy-header-unexpected": 0 };
}
