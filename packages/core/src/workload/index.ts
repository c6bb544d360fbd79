export { type ClientOptions, RequestClient, type TargetResolver } from "./client.ts";
export type { AppMessage, RequestError, RequestRecord } from "./messages.ts";
export { RequestServer, type ServerOptions } from "./server.ts";
export { type ServiceTime, serviceTimeSampler } from "./service-time.ts";
export {
  type ConnectOptions,
  DEFAULT_PEER_MSS,
  icmpErrno,
  isTcpPayload,
  LINUX_TCP,
  modelTimeout,
  RttEstimator,
  SYN_OPTION_BYTES,
  TCP_IP_HEADER,
  type TcpConfig,
  type TcpErrno,
  TcpListener,
  type TcpMessage,
  type TcpPayload,
  TcpSocket,
  type TcpSocketHandlers,
  TcpStack,
  type TcpState,
  TS_OPTION_BYTES,
  tcpConfig,
} from "./tcp/index.ts";
export { type UdpHandlers, type UdpPeer, UdpSocket } from "./udp.ts";
export { WorkerPool } from "./workers.ts";
