import type { Nanos } from "../../engine/index.ts";
import { GRPC_GO_SERVER, H2Server, type H2ServerOptions, type H2ServerSettings } from "../http2/index.ts";

/** A gRPC server: an HTTP/2 server with gRPC framing and grpc-go's defaults. */
export interface GrpcServerOptions extends Omit<H2ServerOptions, "settings" | "maxConnectionAge"> {
  /** grpc.MaxConcurrentStreams; absent: not advertised (grpc-go: math.MaxUint32). */
  maxConcurrentStreams?: number;
  /** keepalive.ServerParameters.MaxConnectionAge (default infinite). */
  maxConnectionAge?: Nanos;
  /** keepalive.ServerParameters.MaxConnectionAgeGrace (default infinite). */
  maxConnectionAgeGrace?: Nanos;
  /** Overrides of the other server settings. */
  settings?: Partial<H2ServerSettings>;
}

/**
 * Starts a gRPC server in a Pod (grpc-go's grpc.NewServer + Serve): no
 * stream limit unless given, two-phase GOAWAY on drain, and — with
 * MaxConnectionAge — every connection drained after its age (±10% jitter)
 * so that clients reconnect, re-resolve and rebalance.
 */
export function grpcServer(o: GrpcServerOptions): H2Server {
  const { maxConcurrentStreams, maxConnectionAge, maxConnectionAgeGrace, settings, ...rest } = o;
  return new H2Server({
    ...rest,
    settings: { ...GRPC_GO_SERVER, ...settings, maxConcurrentStreams },
    ...(maxConnectionAge !== undefined
      ? {
          maxConnectionAge: {
            maxAge: maxConnectionAge,
            ...(maxConnectionAgeGrace !== undefined ? { grace: maxConnectionAgeGrace } : {}),
          },
        }
      : {}),
  });
}
