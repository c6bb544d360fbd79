import type { EventHandle, Nanos, Scheduler } from "../../engine/index.ts";
import { formatEndpoint } from "../../net/index.ts";
import type { RequestRecord } from "../messages.ts";
import type { CallResult, CallTransport } from "./call.ts";
import type { H2Connection } from "./connection.ts";

/** An open-loop caller's plan. */
export interface CallLoadOptions {
  /** The client's name in records. */
  name: string;
  scheduler: Scheduler;
  transport: CallTransport;
  requests: number;
  interval: Nanos;
  start: Nanos;
  /** The call's deadline (Go's context deadline, gRPC's per-call deadline). */
  timeout: Nanos;
  requestBytes: number;
  responseBytes: number;
  /** Every call, appended when it starts. */
  records: RequestRecord[];
}

/**
 * An open-loop load generator over multiplexed connections: `requests`
 * calls, one every `interval` from `start`, each on whatever connection the
 * transport picks. Each call is recorded like the other clients' requests:
 * start, end, the Pod that answered, the connection (its local port and
 * addresses) and stream it used, attempts, and the cause of any error.
 */
export class CallLoad {
  private nextId = 1;

  constructor(private readonly o: CallLoadOptions) {
    for (let i = 0; i < o.requests; i++) {
      const at = Math.max(o.scheduler.now, o.start + i * o.interval) as Nanos;
      o.scheduler.at(at, () => this.begin(), `client/${o.name}`);
    }
  }

  private begin(): void {
    const { o } = this;
    const record: RequestRecord = { id: this.nextId++, client: o.name, protocol: "TCP", start: o.scheduler.now };
    o.records.push(record);
    let finished = false;
    let deadline: EventHandle | undefined;
    const cancel = o.transport.send({
      id: record.id,
      requestBytes: o.requestBytes,
      responseBytes: o.responseBytes,
      started: (conn, stream) => describeConnection(record, conn, stream),
      done: (result) => {
        if (finished) return;
        finished = true;
        o.scheduler.cancel(deadline);
        finishRecord(record, result, o.scheduler.now);
      },
    });
    if (finished) return;
    deadline = o.scheduler.after(
      o.timeout,
      () => {
        if (finished) return;
        finished = true;
        cancel();
        record.end = o.scheduler.now;
        record.error = "timeout";
      },
      `client/${o.name}`,
    );
  }
}

/** Fills a record's connection fields from the connection a call went out on. */
export function describeConnection(record: RequestRecord, conn: H2Connection, stream: number): void {
  const sock = conn.sock;
  record.stream = stream;
  if (conn.connectedAt !== undefined) record.connected = conn.connectedAt;
  if (!sock) return;
  record.localPort = sock.localPort;
  record.local = formatEndpoint(sock.localIp, sock.localPort);
  record.remote = formatEndpoint(sock.remoteIp, sock.remotePort);
}

/** Ends a record with a call's result. */
export function finishRecord(record: RequestRecord, result: CallResult, now: number): void {
  record.end = now;
  record.attempts = result.attempts;
  if (result.conn && result.stream !== undefined) describeConnection(record, result.conn, result.stream);
  if (result.pod !== undefined && result.error === undefined) record.pod = result.pod;
  if (result.error !== undefined) record.error = result.error;
}
