import type { Nanos } from "../engine/index.ts";
import { type NetNamespace, parseIPv4 } from "../net/index.ts";
import {
  callCarrier,
  GO_HTTP2_TRANSPORT,
  GrpcChannel,
  H2Client,
  Http1Agent,
  http1AgentConfig,
  LoadGenerator,
  type RequestCarrier,
  RequestClient,
  type RequestRecord,
  UdpSender,
} from "../workload/index.ts";
import type { SimCluster } from "./cluster.ts";
import type { ScenarioDns } from "./dns.ts";
import type { ClientSpec, Scenario, SenderSpec } from "./schema.ts";
import { loadPlanOf, staticTarget, targetLookup } from "./targets.ts";

/** What a client is started with. */
export interface ClientEnv {
  readonly cluster: SimCluster;
  readonly workload: Scenario["workload"];
  readonly dns: ScenarioDns | undefined;
  readonly records: RequestRecord[];
  /** The HTTP/1.1 agents, by client name (the metrics and tests read their pools). */
  readonly agents: Map<string, Http1Agent>;
}

/**
 * Starts one client, by kind, in `netns`: its Pod's (`pod` is the Pod's key,
 * whose resolver looks names up) or an external host's (`pod` undefined).
 */
export function startClient(env: ClientEnv, spec: ClientSpec, netns: NetNamespace, pod: string | undefined): void {
  const { cluster, workload, records } = env;
  const base = { name: spec.name, netns, scheduler: cluster.scheduler, rng: cluster.rng, tcp: workload.tcp };
  switch (spec.kind) {
    case "connection-per-request":
      new RequestClient({
        ...base,
        protocol: spec.protocol,
        target: staticTarget(cluster, spec.namespace, spec.to),
        requestBytes: spec.requestBytes,
        requests: spec.requests,
        interval: spec.interval,
        start: spec.start,
        timeout: spec.timeout,
        connectTimeout: spec.connectTimeout,
        retries: spec.retries,
        records,
      });
      return;
    case "http1": {
      const { preset, idleTimeout, connectTimeout, ...overrides } = spec.agent;
      const agent = new Http1Agent({
        ...base,
        config: http1AgentConfig(preset, {
          ...overrides,
          ...(idleTimeout === undefined ? {} : { idleTimeout: idleTimeout === "none" ? undefined : idleTimeout }),
          ...(connectTimeout === undefined
            ? {}
            : { connectTimeout: connectTimeout === "none" ? undefined : connectTimeout }),
        }),
        target: targetLookup(cluster, env.dns?.system, pod, spec.namespace, spec.to),
      });
      env.agents.set(spec.name, agent);
      generate(env, spec, agent, 0);
      return;
    }
    case "http2": {
      const client = new H2Client({ ...base, settings: GO_HTTP2_TRANSPORT });
      const lookup = targetLookup(cluster, env.dns?.system, pod, spec.namespace, spec.to);
      // Go's Transport keys its pools by origin: each call looks the name up
      // (getaddrinfo through the stub resolver) and goes to that origin's pool.
      const carrier: RequestCarrier = {
        send: (request) => {
          let abandoned = false;
          let cancel = () => {
            abandoned = true;
          };
          lookup((target) => {
            if (abandoned) return;
            if (typeof target === "string") {
              request.done(target);
              return;
            }
            cancel = callCarrier(client.to(target.ip, target.port)).send(request);
          });
          return () => cancel();
        },
      };
      generate(env, spec, carrier, spec.responseBytes);
      return;
    }
    case "grpc": {
      const to = spec.to as { name: string; port: number }; // the schema requires a name target
      // The program dials (grpc.Dial: the resolver starts at once) when its work
      // starts, at `start`, so the channel's first lookup meets a running DNS.
      let channel: GrpcChannel | undefined;
      cluster.scheduler.at(
        Math.max(cluster.scheduler.now, spec.start) as Nanos,
        () => {
          channel = new GrpcChannel({
            ...base,
            host: to.name,
            port: to.port,
            policy: spec.policy,
            lookup: (host, done) => {
              const resolver = pod === undefined ? undefined : env.dns?.system.resolver(pod);
              if (!resolver) return done(undefined);
              resolver.lookup(host, (record) => done(record.addresses?.map(parseIPv4)));
            },
            ...(spec.minResolutionInterval !== undefined ? { minResolutionInterval: spec.minResolutionInterval } : {}),
            ...(spec.resolvePoll !== undefined ? { resolvePoll: spec.resolvePoll } : {}),
          });
        },
        `client/${spec.name}`,
      );
      const carrier: RequestCarrier = {
        send: (request) => callCarrier(channel as GrpcChannel).send(request),
      };
      generate(env, spec, carrier, spec.responseBytes);
      return;
    }
  }
}

/** Drives a carrier with the client's load generator. */
function generate(
  env: ClientEnv,
  spec: Extract<ClientSpec, { load: unknown }>,
  carrier: RequestCarrier,
  responseBytes: number,
): void {
  new LoadGenerator({
    name: spec.name,
    scheduler: env.cluster.scheduler,
    rng: env.cluster.rng,
    carrier,
    plan: loadPlanOf(spec.load),
    start: spec.start,
    ...(spec.stop !== undefined ? { stop: spec.stop } : {}),
    timeout: spec.timeout,
    requestBytes: spec.requestBytes,
    responseBytes,
    records: env.records,
  });
}

/** Starts a UDP sender in its Pod (`pod` is its key). */
export function startSender(env: ClientEnv, spec: SenderSpec, pod: string): UdpSender | undefined {
  const netns = env.cluster.network.pod(pod);
  if (!netns) return undefined;
  return new UdpSender({
    name: spec.name,
    netns,
    scheduler: env.cluster.scheduler,
    target: staticTarget(env.cluster, spec.namespace, spec.to),
    bytes: spec.bytes,
    interval: spec.interval,
    start: spec.start as Nanos,
    ...(spec.stop !== undefined ? { stop: spec.stop } : {}),
  });
}
