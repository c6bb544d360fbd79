export { InputError, SimInvariantError } from "./errors.ts";
export { RandomStream, Rng } from "./rng.ts";
export { type EventHandle, Scheduler } from "./scheduler.ts";
export {
  addTime,
  formatDuration,
  formatTimestamp,
  MAX_TIME,
  ms,
  type Nanos,
  ns,
  parseDuration,
  s,
  us,
} from "./time.ts";
