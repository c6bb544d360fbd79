export {
  Http1Agent,
  type Http1AgentOptions,
  type Http1AgentStats,
  type Http1Target,
  type TargetLookup,
} from "./agent.ts";
export { Http1Conn, type Http1ConnState, type Http1Waiter, httpError } from "./conn.ts";
export {
  GO_TRANSPORT,
  HTTP1_PRESETS,
  type Http1AgentConfig,
  type Http1Preset,
  http1AgentConfig,
  NODE_AGENT,
  NODE_GLOBAL_AGENT,
} from "./presets.ts";
