/**
 * HTTP/2 frames as the model carries them: each frame keeps its type, its
 * stream and its size on the wire; header blocks and payloads are sizes,
 * not bytes. Sizes follow RFC 9113 (which obsoletes RFC 7540 with the same
 * framing).
 */

/** RFC 9113 §4.1: every frame starts with a 9-octet header (length 24, type 8, flags 8, R + stream id 31). */
export const FRAME_HEADER_BYTES = 9;
/** RFC 9113 §3.4: the client connection preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, 24 octets. */
export const CLIENT_PREFACE_BYTES = 24;
/** RFC 9113 §6.5.1: each SETTINGS parameter is 6 octets (16-bit id, 32-bit value). */
export const SETTING_BYTES = 6;
/** RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE starts at 2^14 octets of payload. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
/** RFC 9113 §6.8: GOAWAY carries last-stream-id (4) + error code (4), then optional debug data. */
export const GOAWAY_PAYLOAD_BYTES = 8;
/** RFC 9113 §6.7: PING carries 8 octets of opaque data. */
export const PING_PAYLOAD_BYTES = 8;
/** RFC 9113 §6.4: RST_STREAM carries a 4-octet error code. */
export const RST_STREAM_PAYLOAD_BYTES = 4;
/** RFC 9113 §5.1.1: stream identifiers are 31 bits; a client's are odd and increase. */
export const MAX_STREAM_ID = 2 ** 31 - 1;
/** gRPC over HTTP/2 (PROTOCOL-HTTP2.md): each message is prefixed by a compressed flag (1) and a length (4). */
export const GRPC_MESSAGE_PREFIX_BYTES = 5;

/** RFC 9113 §7 error codes the model uses. */
export type H2ErrorCode = "NO_ERROR" | "PROTOCOL_ERROR" | "REFUSED_STREAM" | "CANCEL";

/** What a request stream carries for the application (the model's stand-in for pseudo-headers). */
export interface H2RequestMeta {
  /** The client's request id (its RequestRecord id). */
  readonly id: number;
  /** Response body size the server should send (the client's ask; servers may override). */
  readonly bodyBytes: number;
}

/** One HTTP/2 frame. `bytes` is the payload size; the 9-octet header is added by {@link frameBytes}. */
export type H2Frame =
  | { readonly type: "SETTINGS"; readonly ack: boolean; readonly maxConcurrentStreams?: number; readonly bytes: number }
  | {
      readonly type: "HEADERS";
      readonly stream: number;
      readonly endStream: boolean;
      readonly bytes: number;
      /** On a request's HEADERS. */
      readonly request?: H2RequestMeta;
      /** On a response's HEADERS: the Pod that served it (`namespace/name`). */
      readonly pod?: string;
    }
  | { readonly type: "DATA"; readonly stream: number; readonly endStream: boolean; readonly bytes: number }
  | { readonly type: "GOAWAY"; readonly lastStreamId: number; readonly code: H2ErrorCode; readonly bytes: number }
  | { readonly type: "PING"; readonly ack: boolean; readonly bytes: number }
  | { readonly type: "RST_STREAM"; readonly stream: number; readonly code: H2ErrorCode; readonly bytes: number };

/**
 * One write() of frames on a connection: the TCP model delivers it to the
 * peer as one message once its last byte arrives (a flushed bufio.Writer).
 */
export interface H2Write {
  readonly kind: "h2";
  /** The client connection preface precedes the frames (first write only). */
  readonly preface: boolean;
  readonly frames: readonly H2Frame[];
}

/** Size on the wire of one frame: header + payload. */
export function frameBytes(frame: H2Frame): number {
  return FRAME_HEADER_BYTES + frame.bytes;
}

/** Size on the wire of a write. */
export function writeBytes(write: H2Write): number {
  let total = write.preface ? CLIENT_PREFACE_BYTES : 0;
  for (const f of write.frames) total += frameBytes(f);
  return total;
}

/** True when a TCP message is an HTTP/2 write. */
export function isH2Write(message: unknown): message is H2Write {
  return (message as H2Write | undefined)?.kind === "h2";
}

/** A SETTINGS frame carrying `count` parameters (and MAX_CONCURRENT_STREAMS if given). */
export function settingsFrame(count: number, maxConcurrentStreams?: number): H2Frame {
  const n = count + (maxConcurrentStreams === undefined ? 0 : 1);
  return maxConcurrentStreams === undefined
    ? { type: "SETTINGS", ack: false, bytes: n * SETTING_BYTES }
    : { type: "SETTINGS", ack: false, maxConcurrentStreams, bytes: n * SETTING_BYTES };
}

/**
 * DATA frames for a body of `bytes` octets, each at most `maxFrame` octets
 * of payload (RFC 9113 §4.2); END_STREAM on the last if `endStream`. An
 * empty body with END_STREAM is one empty DATA frame.
 */
export function dataFrames(
  stream: number,
  bytes: number,
  endStream: boolean,
  maxFrame = DEFAULT_MAX_FRAME_SIZE,
): H2Frame[] {
  const frames: H2Frame[] = [];
  let left = bytes;
  do {
    const chunk = Math.min(left, maxFrame);
    left -= chunk;
    frames.push({ type: "DATA", stream, endStream: endStream && left === 0, bytes: chunk });
  } while (left > 0);
  return frames;
}
