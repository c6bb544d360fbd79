export * from "./events.ts";
export { TraceRecorder, tracePacket } from "./recorder.ts";
