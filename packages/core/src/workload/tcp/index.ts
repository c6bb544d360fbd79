export {
  DEFAULT_PEER_MSS,
  LINUX_TCP,
  SYN_OPTION_BYTES,
  TCP_IP_HEADER,
  type TcpConfig,
  TS_OPTION_BYTES,
  tcpConfig,
} from "./config.ts";
export { icmpErrno, type TcpErrno } from "./errors.ts";
export { TcpListener } from "./listener.ts";
export { modelTimeout, RttEstimator } from "./rtt.ts";
export { isTcpPayload, type TcpMessage, type TcpPayload } from "./segment.ts";
export { TcpSocket, type TcpSocketHandlers, type TcpState } from "./socket.ts";
export { type ConnectOptions, TcpStack } from "./stack.ts";
