import { type Nanos, ns, type Rng, type Scheduler } from "../engine/index.ts";
import {
  type IPv4,
  type Link,
  NetNamespace,
  type Packet,
  type PacketIds,
  type RoutedCni,
  vethName,
} from "../net/index.ts";
import type { NodeTrace } from "./node-trace.ts";

/** The Pod's end of its veth pair (its `eth0`). */
export const POD_SIDE = 0;
/** The node's end of a Pod's veth pair (`veth-<pod>`). */
export const NODE_SIDE = 1;

const LOOPBACK_NET = 127;
const NOW: Nanos = ns(0);

/** What a Pod attachment needs from its node. */
export interface PodPortEnv {
  readonly sched: Scheduler;
  readonly rng: Rng;
  readonly ids: PacketIds;
  readonly cni: RoutedCni;
  readonly trace: NodeTrace;
  /** The node's input path, for packets arriving on the node's end of the veth. */
  readonly toNode: (pkt: Packet, inDev: string) => void;
}

/**
 * A Pod on a node: its network namespace and its veth pair. After the Pod is
 * detached (deleted), packets still on the veth and packets its sockets
 * still send die as `no-such-pod`: the CNI DEL removed the veth.
 */
export class PodPort {
  /** The node-side device name, `veth-<pod>`. */
  readonly dev: string;
  readonly netns: NetNamespace;
  readonly veth: Link;
  attached = true;
  private readonly trace: NodeTrace;

  constructor(
    readonly pod: string,
    readonly ip: IPv4,
    env: PodPortEnv,
  ) {
    const { sched, trace } = env;
    this.trace = trace;
    this.dev = vethName(pod);
    this.veth = env.cni.createVeth(pod, sched, env.rng, (pkt, reason) => trace.drop(pkt, reason, this.dev));
    this.veth.connect(NODE_SIDE, (pkt) => {
      if (this.attached) env.toNode(pkt, this.dev);
      else trace.drop(pkt, "no-such-pod", this.dev);
    });
    this.veth.connect(POD_SIDE, (pkt) => {
      if (this.attached) this.netns.deliver(pkt);
      else trace.drop(pkt, "no-such-pod", this.dev);
    });
    this.netns = new NetNamespace({
      name: pod,
      ips: [ip],
      sched,
      rng: env.rng,
      ids: env.ids,
      egress: (pkt) => this.egress(pkt, sched),
      observer: {
        sent: (pkt) => trace.send(pkt, pod),
        received: (pkt) => trace.recv(pkt, pod),
        dropped: (pkt, reason) => trace.drop(pkt, reason, pod),
      },
    });
  }

  private egress(pkt: Packet, sched: Scheduler): void {
    if (!this.attached) {
      this.trace.drop(pkt, "no-such-pod", this.pod);
      return;
    }
    // why: inside the Pod's namespace its own address and 127/8 are local
    // routes (dev lo); only the rest takes the default route out eth0 to the
    // node. The Pod namespace has no service rules, so no hook runs here.
    if (pkt.dst === this.ip || pkt.dst >>> 24 === LOOPBACK_NET) {
      sched.after(NOW, () => this.netns.deliver(pkt), "lo");
      return;
    }
    this.veth.send(POD_SIDE, pkt);
  }
}
