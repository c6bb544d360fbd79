export { type ClientOptions, RequestClient, type TargetResolver } from "./client.ts";
export {
  type BackoffConfig,
  type ConnectivityState,
  DnsWatcher,
  GRPC_BACKOFF,
  GRPC_MIN_CONNECT_TIMEOUT,
  GRPC_MIN_RESOLUTION_INTERVAL,
  GrpcChannel,
  type GrpcChannelOptions,
  type GrpcServerOptions,
  grpcServer,
  type LbPolicy,
  type NameLookup,
  type PodAppDeps,
  type PodSelector,
  Subchannel,
  startInPods,
} from "./grpc/index.ts";
export {
  GO_TRANSPORT,
  HTTP1_PRESETS,
  Http1Agent,
  type Http1AgentConfig,
  type Http1AgentOptions,
  type Http1AgentStats,
  type Http1Preset,
  type Http1Target,
  http1AgentConfig,
  NODE_AGENT,
  NODE_GLOBAL_AGENT,
  type TargetLookup,
} from "./http1/index.ts";
export {
  type Call,
  CallLoad,
  type CallLoadOptions,
  type CallResult,
  type CallTransport,
  type ConnectionAge,
  GO_HTTP2_SERVER,
  GO_HTTP2_TRANSPORT,
  GRPC_GO_CLIENT,
  GRPC_GO_SERVER,
  H2Client,
  type H2ClientOptions,
  type H2ClientSettings,
  H2Connection,
  type H2Frame,
  type H2Framing,
  H2Server,
  type H2ServerOptions,
  type H2ServerSettings,
  type StreamFailure,
} from "./http2/index.ts";
export { type PodApp, PodApps } from "./lifecycle.ts";
export { appReadinessProbe, type ProbeAction, probeAction } from "./lifecycle-probe.ts";
export { LoadGenerator, type LoadGeneratorOptions, type LoadPlan } from "./loadgen.ts";
export { PoissonArrivals, type RatePoint, RateSchedule } from "./loadgen-arrivals.ts";
export { type CarriedRequest, callCarrier, type RequestCarrier } from "./loadgen-carrier.ts";
export type { AppMessage, RequestError, RequestRecord } from "./messages.ts";
export {
  checkProxyHeader,
  formatClient,
  type ProxyProtocolError,
  type ProxyProtocolErrors,
  type ServedSource,
  tcpSource,
  udpSource,
} from "./proxy-protocol.ts";
export { type RequestLogRow, requestLog } from "./request-log.ts";
export { RequestServer, type ServerConn, type ServerOptions, type SigtermBehaviour } from "./server.ts";
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
export { type SentDatagram, UdpSender, type UdpSenderOptions } from "./udp-sender.ts";
export { WorkerPool } from "./workers.ts";
