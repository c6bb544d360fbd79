export { type ClientOptions, RequestClient, type TargetResolver } from "./client.ts";
export type { AppMessage, RequestError, RequestRecord } from "./messages.ts";
export { RequestServer, type ServerOptions } from "./server.ts";
