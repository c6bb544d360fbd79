export { PassthroughProxy } from "./passthrough.ts";
export {
  ACCEPT,
  type HookVerdict,
  type PacketContext,
  type ProxyMode,
  type ProxyView,
  type ServiceProxy,
  type SyncStats,
} from "./types.ts";
