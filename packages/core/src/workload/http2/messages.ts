import { dataFrames, GRPC_MESSAGE_PREFIX_BYTES, type H2Frame } from "./frames.ts";
import type { H2ClientSettings, H2ServerSettings } from "./settings.ts";

/** The request a client writes for one stream. */
export interface StreamRequestSpec {
  readonly id: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
}

/**
 * The frames of a request on `stream`: HEADERS, then the body. Plain HTTP
 * without a body ends the stream on HEADERS (a GET); gRPC always sends its
 * length-prefixed message in DATA with END_STREAM (PROTOCOL-HTTP2.md:
 * Request → Request-Headers *Length-Prefixed-Message EOS).
 */
export function requestFrames(stream: number, req: StreamRequestSpec, settings: H2ClientSettings): H2Frame[] {
  const body = settings.framing === "grpc" ? GRPC_MESSAGE_PREFIX_BYTES + req.requestBytes : req.requestBytes;
  const request = { id: req.id, bodyBytes: req.responseBytes };
  if (body === 0) {
    return [{ type: "HEADERS", stream, endStream: true, bytes: settings.requestHeaderBytes, request }];
  }
  return [
    { type: "HEADERS", stream, endStream: false, bytes: settings.requestHeaderBytes, request },
    ...dataFrames(stream, body, true),
  ];
}

/**
 * The frames of a response: HEADERS naming the Pod, then the body; gRPC
 * ends with trailers (PROTOCOL-HTTP2.md: Response → Response-Headers
 * *Length-Prefixed-Message Trailers), plain HTTP ends on the last DATA.
 */
export function responseFrames(stream: number, pod: string, bodyBytes: number, settings: H2ServerSettings): H2Frame[] {
  const headers = { type: "HEADERS" as const, stream, bytes: settings.responseHeaderBytes, pod };
  if (settings.framing === "grpc") {
    return [
      { ...headers, endStream: false },
      ...dataFrames(stream, GRPC_MESSAGE_PREFIX_BYTES + bodyBytes, false),
      { type: "HEADERS", stream, endStream: true, bytes: settings.trailerBytes },
    ];
  }
  if (bodyBytes === 0) return [{ ...headers, endStream: true }];
  return [{ ...headers, endStream: false }, ...dataFrames(stream, bodyBytes, true)];
}
