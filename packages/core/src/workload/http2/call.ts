import type { RequestError } from "../messages.ts";
import type { H2Connection } from "./connection.ts";

/** One request handed to a transport (an HTTP/2 client pool or a gRPC channel). */
export interface Call {
  /** The request's id (its RequestRecord id). */
  readonly id: number;
  /** Request body / message, octets. */
  readonly requestBytes: number;
  /** Response body / message asked for, octets. */
  readonly responseBytes: number;
  /** The call went out as `stream` on `conn` (again after a transparent retry). */
  readonly started?: (conn: H2Connection, stream: number) => void;
  /** Called once, when the call ends either way. */
  readonly done: (result: CallResult) => void;
}

/** How a call ended. */
export interface CallResult {
  /** The Pod named by the response. */
  readonly pod?: string;
  readonly error?: RequestError;
  /** The connection and stream of the last attempt, if one was sent. */
  readonly conn?: H2Connection;
  readonly stream?: number;
  /** Attempts made: 1 + transparent retries of unprocessed streams. */
  readonly attempts: number;
}

/** Something that carries calls: returns a function that abandons the call (its deadline passed). */
export interface CallTransport {
  send(call: Call): () => void;
}
