export type { Call, CallResult, CallTransport } from "./call.ts";
export { H2Client, type H2ClientOptions } from "./client.ts";
export {
  H2Connection,
  type H2ConnectionEvents,
  type H2ConnectionOptions,
  type H2ConnState,
  type H2StreamRequest,
  type StreamFailure,
  type StreamResult,
} from "./connection.ts";
export {
  CLIENT_PREFACE_BYTES,
  DEFAULT_MAX_FRAME_SIZE,
  dataFrames,
  FRAME_HEADER_BYTES,
  frameBytes,
  GOAWAY_PAYLOAD_BYTES,
  GRPC_MESSAGE_PREFIX_BYTES,
  type H2ErrorCode,
  type H2Frame,
  type H2RequestMeta,
  type H2Write,
  isH2Write,
  MAX_STREAM_ID,
  PING_PAYLOAD_BYTES,
  RST_STREAM_PAYLOAD_BYTES,
  SETTING_BYTES,
  settingsFrame,
  writeBytes,
} from "./frames.ts";
export { CallLoad, type CallLoadOptions, describeConnection, finishRecord } from "./load.ts";
export { requestFrames, responseFrames, type StreamRequestSpec } from "./messages.ts";
export { type ConnectionAge, H2Server, type H2ServerOptions } from "./server.ts";
export { type H2DrainState, H2ServerConn, type H2ServerConnEnv } from "./server-conn.ts";
export {
  GO_HTTP2_SERVER,
  GO_HTTP2_TRANSPORT,
  GRPC_GO_CLIENT,
  GRPC_GO_SERVER,
  type H2ClientSettings,
  type H2Framing,
  type H2ServerSettings,
} from "./settings.ts";
