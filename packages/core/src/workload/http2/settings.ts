/**
 * How an HTTP/2 endpoint behaves, with presets for the implementations the
 * scenarios compare. Header-block sizes are parameters of the model (HPACK
 * output depends on the headers and the dynamic table), not measurements.
 */

/** What the request and response bodies look like on the wire. */
export type H2Framing =
  /** Plain HTTP/2: request HEADERS (+ DATA), response HEADERS + DATA with END_STREAM. */
  | "http"
  /**
   * gRPC (PROTOCOL-HTTP2.md): request HEADERS + DATA(5-byte prefix + message,
   * END_STREAM); response HEADERS + DATA(prefix + message) + trailers HEADERS
   * (grpc-status) with END_STREAM.
   */
  | "grpc";

/** A client connection's knobs. */
export interface H2ClientSettings {
  /** Streams a connection may open before the server's first SETTINGS arrives. */
  initialMaxStreams: number;
  /** The limit when the server's first SETTINGS carries no SETTINGS_MAX_CONCURRENT_STREAMS. */
  absentMaxStreams: number;
  /**
   * Go's `Transport.StrictMaxConcurrentStreams`: true, a request waits for a
   * free stream on the origin's connection; false, another connection is
   * dialled to the origin when every connection is at its limit.
   */
  strictMaxConcurrentStreams: boolean;
  /** Parameters in the client's SETTINGS. */
  settingsCount: number;
  /** HPACK-encoded request header block, octets. */
  requestHeaderBytes: number;
  framing: H2Framing;
}

/** A server's knobs. */
export interface H2ServerSettings {
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised; undefined: not sent (no limit). */
  maxConcurrentStreams: number | undefined;
  /**
   * Graceful GOAWAY in two steps (GOAWAY with 2^31−1 and a PING, then the real
   * last stream id once the PING is acknowledged), so that streams already in
   * flight are still served; false: one GOAWAY with the last stream id seen.
   */
  twoPhaseGoAway: boolean;
  /** Parameters in the server's SETTINGS besides MAX_CONCURRENT_STREAMS. */
  settingsCount: number;
  /** HPACK-encoded response header block, octets. */
  responseHeaderBytes: number;
  /** HPACK-encoded trailers (gRPC: grpc-status, grpc-message), octets. */
  trailerBytes: number;
  framing: H2Framing;
}

/**
 * Go's HTTP/2 client (golang.org/x/net/http2 transport.go):
 * initialMaxConcurrentStreams = 100 until the server's SETTINGS arrives,
 * defaultMaxConcurrentStreams = 1000 when it names no limit, and
 * StrictMaxConcurrentStreams false by default ("new TCP connections are
 * created to the server as needed").
 */
export const GO_HTTP2_TRANSPORT: Readonly<H2ClientSettings> = {
  initialMaxStreams: 100,
  absentMaxStreams: 1000,
  strictMaxConcurrentStreams: false,
  settingsCount: 4,
  requestHeaderBytes: 40,
  framing: "http",
};

/**
 * grpc-go's client transport (internal/transport/http2_client.go):
 * maxConcurrentStreams = defaultMaxStreamsClient (100) until the server
 * preface; handleSettings sets math.MaxUint32 when the first SETTINGS names
 * no limit. A stream beyond the quota waits for one (streamsQuotaAvailable):
 * a subchannel never dials a second connection.
 */
export const GRPC_GO_CLIENT: Readonly<H2ClientSettings> = {
  initialMaxStreams: 100,
  absentMaxStreams: 2 ** 32 - 1,
  strictMaxConcurrentStreams: true,
  settingsCount: 2,
  requestHeaderBytes: 60,
  framing: "grpc",
};

/**
 * Go's HTTP/2 server (golang.org/x/net/http2 server.go): defaultMaxStreams
 * = 250 advertised; graceful shutdown sends one GOAWAY with the highest
 * client stream id processed (serverConn.goAway(ErrCodeNo)).
 */
export const GO_HTTP2_SERVER: Readonly<H2ServerSettings> = {
  maxConcurrentStreams: 250,
  twoPhaseGoAway: false,
  settingsCount: 3,
  responseHeaderBytes: 30,
  trailerBytes: 0,
  framing: "http",
};

/**
 * grpc-go's server (internal/transport/http2_server.go): with no
 * MaxConcurrentStreams option maxStreams = math.MaxUint32 and the setting
 * is not sent; drain() sends GOAWAY(MaxInt32) + PING, then GOAWAY with the
 * last stream id once the PING is acknowledged (grpc-go issue #1387).
 */
export const GRPC_GO_SERVER: Readonly<H2ServerSettings> = {
  maxConcurrentStreams: undefined,
  twoPhaseGoAway: true,
  settingsCount: 1,
  responseHeaderBytes: 30,
  trailerBytes: 20,
  framing: "grpc",
};
