import type { RequestError, RequestRecord } from "./messages.ts";

/** One finished or unfinished request as a flat row: what a load tester's request log holds. */
export interface RequestLogRow {
  readonly id: number;
  readonly client: string;
  /** Simulated start (ns). */
  readonly start: number;
  /** Simulated end (ns); undefined while in flight at the end of the run. */
  readonly end: number | undefined;
  /** end − start (ns), for finished requests. */
  readonly latency: number | undefined;
  /** The Pod that served it. */
  readonly pod: string | undefined;
  /** The connection it used: the client's local port (and `local → remote` in `connection`). */
  readonly localPort: number | undefined;
  readonly connection: string | undefined;
  /** It went out on a connection an earlier request had used (keep-alive pools). */
  readonly reused: boolean;
  readonly error: RequestError | undefined;
}

/** The request log of a run: one row per request, in start order. */
export function requestLog(records: readonly RequestRecord[]): RequestLogRow[] {
  return records.map((r) => ({
    id: r.id,
    client: r.client,
    start: r.start,
    end: r.end,
    latency: r.end === undefined ? undefined : r.end - r.start,
    pod: r.pod,
    localPort: r.localPort,
    connection: r.local && r.remote ? `${r.local} → ${r.remote}` : undefined,
    reused: r.reused === true,
    error: r.error,
  }));
}
