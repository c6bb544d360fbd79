import { type Nanos, s, us } from "../../src/engine/index.ts";
import {
  type CallTransport,
  H2Client,
  type H2ClientSettings,
  H2Server,
  type H2ServerSettings,
} from "../../src/workload/http2/index.ts";
import type { RequestRecord } from "../../src/workload/index.ts";
import { SERVER_IP, wire } from "./helpers.ts";

/** A client namespace and an HTTP/2 server namespace on a wire, and a way to fire calls. */
export function h2Pair(o: {
  client: H2ClientSettings;
  server: H2ServerSettings;
  serviceTime: Nanos;
  latency?: Nanos;
  port?: number;
}) {
  const port = o.port ?? 8443;
  const w = wire({ latency: o.latency ?? us(100) });
  const server = new H2Server({
    pod: "default/server",
    netns: w.server,
    scheduler: w.sched,
    rng: w.rng,
    port,
    settings: o.server,
    responseBytes: 200,
    serviceTime: o.serviceTime,
  });
  const client = new H2Client({ name: "c", netns: w.client, scheduler: w.sched, rng: w.rng, settings: o.client });
  const transport = client.to(SERVER_IP, port);
  const records: RequestRecord[] = [];
  return { ...w, server, client, transport, records, port };
}

/** Sends one call at `at` and records it. */
export function callAt(
  sched: { at(t: Nanos, fn: () => void): unknown; now: Nanos },
  transport: CallTransport,
  records: RequestRecord[],
  at: Nanos,
): void {
  sched.at(at, () => {
    const record: RequestRecord = { id: records.length + 1, client: "c", protocol: "TCP", start: sched.now };
    records.push(record);
    transport.send({
      id: record.id,
      requestBytes: 100,
      responseBytes: 200,
      started: (conn, stream) => {
        record.localPort = conn.localPort;
        record.stream = stream;
      },
      done: (r) => {
        record.end = sched.now;
        record.attempts = r.attempts;
        if (r.pod) record.pod = r.pod;
        if (r.error) record.error = r.error;
        if (r.conn) record.localPort = r.conn.localPort;
      },
    });
  });
}

/** Latency of a finished record. */
export const latency = (r: RequestRecord) => (r.end as number) - r.start;

export const SECOND = s(1);
