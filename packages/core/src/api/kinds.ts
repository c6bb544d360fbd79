/**
 * The supported kinds and their complete schemas: manifest shape → API
 * server defaults → API server validation, each a zod schema whose output is
 * the normalized object of `types.ts`. Scenario schemas can embed these
 * directly; `parse.ts` uses them with svcsim's error map.
 */
import { z } from "zod";
import { defaultService } from "./defaults.ts";
import { defaultDeployment, defaultEndpointSlice, defaultNode, defaultPod } from "./defaults-workloads.ts";
import type { Problem } from "./problems.ts";
import { reportProblems, stripNulls } from "./schemas/common.ts";
import { PodManifestSchema } from "./schemas/pod.ts";
import { ServiceManifestSchema } from "./schemas/service.ts";
import { DeploymentManifestSchema, EndpointSliceManifestSchema, NodeManifestSchema } from "./schemas/workloads.ts";
import type { KubeKind, KubeObject } from "./types.ts";
import { validateEndpointSlice, validateNode } from "./validate/cluster.ts";
import { validateDeployment, validatePod } from "./validate/pod.ts";
import { validateService } from "./validate/service.ts";

function compose<S extends z.ZodType, O>(manifest: S, toObject: (m: z.output<S>) => O, validate: (o: O) => Problem[]) {
  return z
    .preprocess(stripNulls, manifest)
    .transform(toObject)
    .superRefine((o, ctx) => reportProblems(ctx, validate(o)));
}

/** A v1 Service: defaulted and validated (no ClusterIP/NodePort allocation: see `allocate.ts`). */
export const ServiceSchema = compose(ServiceManifestSchema, defaultService, validateService);
/** A discovery.k8s.io/v1 EndpointSlice, defaulted and validated. */
export const EndpointSliceSchema = compose(EndpointSliceManifestSchema, defaultEndpointSlice, validateEndpointSlice);
/** A v1 Pod, defaulted and validated. */
export const PodSchema = compose(PodManifestSchema, defaultPod, validatePod);
/** An apps/v1 Deployment, defaulted and validated. */
export const DeploymentSchema = compose(DeploymentManifestSchema, defaultDeployment, validateDeployment);
/** A v1 Node, defaulted and validated. */
export const NodeSchema = compose(NodeManifestSchema, defaultNode, validateNode);

/** What svcsim knows about each kind it supports. */
export interface KindInfo {
  apiVersion: string;
  /** False for cluster-scoped kinds (Node): their problem lines read `Node name`. */
  namespaced: boolean;
  schema: z.ZodType<KubeObject, unknown>;
}

/** The supported kinds, in the order they are listed to users. */
export const KINDS: Readonly<Record<KubeKind, KindInfo>> = {
  Service: { apiVersion: "v1", namespaced: true, schema: ServiceSchema },
  EndpointSlice: { apiVersion: "discovery.k8s.io/v1", namespaced: true, schema: EndpointSliceSchema },
  Pod: { apiVersion: "v1", namespaced: true, schema: PodSchema },
  Deployment: { apiVersion: "apps/v1", namespaced: true, schema: DeploymentSchema },
  Node: { apiVersion: "v1", namespaced: false, schema: NodeSchema },
};

/** The supported kind names. */
export const SUPPORTED_KINDS = Object.keys(KINDS) as KubeKind[];

/** True when `kind` is one svcsim understands. */
export function isSupportedKind(kind: string): kind is KubeKind {
  return Object.hasOwn(KINDS, kind);
}
