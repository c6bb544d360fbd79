export {
  type ActionEvent,
  type ApiEvent,
  assertNever,
  type ConntrackEvent,
  DROP_REASONS,
  type DropReason,
  EVENT_LEVEL,
  type FaultEvent,
  type Hook,
  LEVEL_RANK,
  type LoadBalancerHealth,
  type LoadBalancerPick,
  type NatEvent,
  type PacketDropped,
  type PacketHook,
  type PacketReceived,
  type PacketRouted,
  type PacketSent,
  type RuleMatched,
  type SyncApplied,
  type TraceEvent,
  type TraceEventType,
  type TraceLevel,
  type TracePacket,
} from "./events.ts";
export { type EventFilter, eventNode, eventPacketId, filterEvents, flowPacketIds } from "./filter.ts";
export { eventToJson, parseJsonl, toJsonl, writeJsonl } from "./jsonl.ts";
export { TraceRecorder, tracePacket } from "./recorder.ts";
export { type EndpointPackets, PacketStats } from "./stats.ts";
export { formatEvent, formatPacket, formatWalk, type TextLayout, type WalkOptions } from "./text.ts";
