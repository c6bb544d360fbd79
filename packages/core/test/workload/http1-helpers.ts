import { ms, type Nanos, s } from "../../src/engine/index.ts";
import {
  Http1Agent,
  type Http1AgentConfig,
  LoadGenerator,
  type LoadPlan,
  type RequestRecord,
  RequestServer,
  type ServiceTime,
} from "../../src/workload/index.ts";
import { SERVER_IP, wire } from "./helpers.ts";

/** Sends a request through an agent at a given time, recording it like a load generator would. */
export interface Http1World {
  w: ReturnType<typeof wire>;
  agent: Http1Agent;
  server: RequestServer;
  records: RequestRecord[];
  /** Starts a server on port 80 (again, after a kill). */
  startServer: (serviceTime?: Nanos | ServiceTime) => RequestServer;
  /** One request at `at`, with an application deadline. */
  request: (at: Nanos, timeout?: Nanos) => void;
  /** A load generator over the agent. */
  load: (plan: LoadPlan, start: Nanos, timeout?: Nanos) => LoadGenerator;
}

/** A client namespace with an agent, and a RequestServer on port 80, joined by a 100 µs wire. */
export function http1World(
  config: Http1AgentConfig,
  o: { serviceTime?: Nanos | ServiceTime; workers?: number; seed?: number } = {},
): Http1World {
  const w = wire({ seed: o.seed });
  const records: RequestRecord[] = [];
  const startServer = (serviceTime?: Nanos | ServiceTime) =>
    new RequestServer({
      pod: "default/server",
      netns: w.server,
      scheduler: w.sched,
      rng: w.rng,
      protocol: "TCP",
      port: 80,
      responseBytes: 1000,
      serviceTime: serviceTime ?? o.serviceTime ?? ms(2),
      workers: o.workers,
    });
  const server = startServer();
  const agent = new Http1Agent({
    name: "c",
    netns: w.client,
    scheduler: w.sched,
    rng: w.rng,
    config,
    target: (done) => done({ ip: SERVER_IP, port: 80 }),
  });
  let nextId = 1;
  const request = (at: Nanos, timeout: Nanos = s(30)) => {
    w.sched.at(at, () => {
      const record: RequestRecord = { id: nextId++, client: "c", protocol: "TCP", start: w.sched.now };
      records.push(record);
      let finished = false;
      const abandon = agent.send({
        record,
        requestBytes: 100,
        responseBytes: 1000,
        done: (error) => {
          finished = true;
          record.end = w.sched.now;
          if (error) record.error = error;
        },
      });
      w.sched.after(timeout, () => {
        if (finished) return;
        finished = true;
        abandon();
        record.end = w.sched.now;
        record.error = "timeout";
      });
    });
  };
  const load = (plan: LoadPlan, start: Nanos, timeout: Nanos = s(30)) =>
    new LoadGenerator({
      name: "c",
      scheduler: w.sched,
      rng: w.rng,
      carrier: agent,
      plan,
      start,
      timeout,
      requestBytes: 100,
      responseBytes: 1000,
      records,
    });
  return { w, agent, server, records, startServer, request, load };
}

/** The SYNs the client sent (one per dial that reached the wire). */
export const synsOf = (world: Http1World) => world.w.log.filter((r) => r.dir === ">" && r.flags === "S");
