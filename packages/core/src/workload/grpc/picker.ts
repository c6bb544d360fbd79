import type { Subchannel } from "./subchannel.ts";

/** The load-balancing policies modelled. */
export type LbPolicy = "pick_first" | "round_robin";

/** A pick: a READY subchannel (and the picker's next index), wait for a new picker, or fail the call. */
export type Pick =
  | { readonly kind: "pick"; readonly subchannel: Subchannel; readonly next: number }
  | { readonly kind: "wait" }
  | { readonly kind: "fail" };

/** What the channel knows besides its subchannels. */
export interface PickContext {
  /** A resolution has produced addresses. */
  readonly resolved: boolean;
  /** Resolution failed and there are no addresses. */
  readonly resolveFailed: boolean;
  readonly waitForReady: boolean;
}

/**
 * One pick, as the policy's picker makes it (grpc-go balancer Picker.Pick).
 * pick_first: its one subchannel if READY; an IDLE one is asked to connect
 * and the call waits. round_robin: the READY subchannels in turn from
 * `next`. Neither has a READY subchannel: the call waits while anything is
 * connecting; once everything is in TRANSIENT_FAILURE it fails (UNAVAILABLE)
 * unless it is wait-for-ready (gRPC's default is fail-fast).
 */
export function pickSubchannel(policy: LbPolicy, subs: readonly Subchannel[], next: number, ctx: PickContext): Pick {
  const failOrWait: Pick = ctx.waitForReady ? { kind: "wait" } : { kind: "fail" };
  if (subs.length === 0) return ctx.resolveFailed ? failOrWait : { kind: "wait" };
  if (policy === "pick_first") {
    const sc = subs[0] as Subchannel;
    switch (sc.state) {
      case "READY":
        return { kind: "pick", subchannel: sc, next };
      case "IDLE":
        // why: grpc-go pick_first's idlePicker calls ExitIdle → Connect on a pick.
        sc.connect();
        return { kind: "wait" };
      case "CONNECTING":
        return { kind: "wait" };
      default:
        return failOrWait;
    }
  }
  const ready = subs.filter((sc) => sc.state === "READY");
  if (ready.length > 0) {
    const i = next % ready.length;
    return { kind: "pick", subchannel: ready[i] as Subchannel, next: i + 1 };
  }
  if (subs.some((sc) => sc.state === "CONNECTING" || sc.state === "IDLE")) return { kind: "wait" };
  return failOrWait;
}
