export { type AddNodeSpec, Network, type NetworkOptions } from "./network.ts";
export { Node, type NodeEnv, type NodeSpec } from "./node.ts";
export { NodeTrace } from "./node-trace.ts";
export { NODE_SIDE, POD_SIDE, PodPort, type PodPortEnv } from "./pod-port.ts";
export { PodTable } from "./pods.ts";
