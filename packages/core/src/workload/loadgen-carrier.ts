import type { CallTransport } from "./http2/index.ts";
import { describeConnection } from "./http2/index.ts";
import type { RequestError, RequestRecord } from "./messages.ts";

/** One request handed to a carrier by a load generator. */
export interface CarriedRequest {
  /** Its record: the carrier fills in the connection it used and the Pod that answered. */
  readonly record: RequestRecord;
  /** Request size, octets. */
  readonly requestBytes: number;
  /** Response size asked for (HTTP/2 and gRPC; an HTTP/1.1 server answers with its own size). */
  readonly responseBytes: number;
  /** Called once when the request ends either way, unless it was abandoned first. */
  readonly done: (error?: RequestError) => void;
}

/**
 * Something that carries requests — an HTTP/1.1 agent, an HTTP/2 client, a
 * gRPC channel. `send` returns a function that abandons the request (its
 * deadline passed); after it, `done` is not called.
 */
export interface RequestCarrier {
  send(request: CarriedRequest): () => void;
}

/**
 * A carrier over an HTTP/2 or gRPC `CallTransport`, so that the open- and
 * closed-loop generators can drive those clients too: the call's connection
 * and stream are written into the record as it goes out, its attempts and
 * answering Pod when it ends.
 */
export function callCarrier(transport: CallTransport): RequestCarrier {
  return {
    send(request) {
      const { record } = request;
      return transport.send({
        id: record.id,
        requestBytes: request.requestBytes,
        responseBytes: request.responseBytes,
        started: (conn, stream) => describeConnection(record, conn, stream),
        done: (result) => {
          record.attempts = result.attempts;
          if (result.conn && result.stream !== undefined) describeConnection(record, result.conn, result.stream);
          if (result.pod !== undefined && result.error === undefined) record.pod = result.pod;
          request.done(result.error);
        },
      });
    },
  };
}
