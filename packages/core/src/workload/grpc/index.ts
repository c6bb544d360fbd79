export { type BackoffConfig, backoffDelay, GRPC_BACKOFF } from "./backoff.ts";
export { GrpcChannel, type GrpcChannelOptions } from "./channel.ts";
export { type PodAppDeps, type PodSelector, startInPods } from "./install.ts";
export { type LbPolicy, type Pick, type PickContext, pickSubchannel } from "./picker.ts";
export {
  DnsWatcher,
  type DnsWatcherOptions,
  GRPC_MIN_RESOLUTION_INTERVAL,
  type NameLookup,
} from "./resolver.ts";
export { type GrpcServerOptions, grpcServer } from "./server.ts";
export { type ConnectivityState, GRPC_MIN_CONNECT_TIMEOUT, Subchannel, type SubchannelEnv } from "./subchannel.ts";
