/**
 * The shape of a v1 Service manifest (k8s.io/api/core/v1 types.go
 * ServiceSpec, ServicePort, SessionAffinityConfig, LoadBalancerStatus), every
 * defaultable field optional. Shape only: values are checked in
 * `../validate/service.ts` after `defaultService`.
 */
import { z } from "zod";
import { IntOrStringSchema, ObjectMetaManifestSchema, ProtocolSchema, StringMapSchema } from "./common.ts";

/** One entry of `spec.ports`. */
export const ServicePortManifestSchema = z.object({
  name: z.string().optional(),
  protocol: ProtocolSchema.optional(),
  port: z.number().int(),
  targetPort: IntOrStringSchema.optional(),
  nodePort: z.number().int().optional(),
  appProtocol: z.string().optional(),
});

const TrafficPolicySchema = z.enum(["Cluster", "Local"]);

/** `spec` of a Service as written. */
export const ServiceSpecManifestSchema = z.object({
  type: z.enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]).optional(),
  selector: StringMapSchema.optional(),
  ports: z.array(ServicePortManifestSchema).optional(),
  clusterIP: z.string().optional(),
  clusterIPs: z.array(z.string()).optional(),
  // why: svcsim's dataplanes are IPv4 only, so a dual-stack or IPv6 request
  // is refused up front rather than silently simulated as IPv4.
  ipFamilies: z
    .array(z.literal("IPv4", { error: (i) => `svcsim models IPv4 only, got ${JSON.stringify(i.input)}` }))
    .optional(),
  ipFamilyPolicy: z
    .literal("SingleStack", { error: (i) => `svcsim models IPv4 single-stack only, got ${JSON.stringify(i.input)}` })
    .optional(),
  externalName: z.string().optional(),
  externalIPs: z.array(z.string()).optional(),
  sessionAffinity: z.enum(["None", "ClientIP"]).optional(),
  sessionAffinityConfig: z
    .object({ clientIP: z.object({ timeoutSeconds: z.number().int().optional() }).optional() })
    .optional(),
  externalTrafficPolicy: TrafficPolicySchema.optional(),
  internalTrafficPolicy: TrafficPolicySchema.optional(),
  healthCheckNodePort: z.number().int().optional(),
  loadBalancerIP: z.string().optional(),
  loadBalancerSourceRanges: z.array(z.string()).optional(),
  allocateLoadBalancerNodePorts: z.boolean().optional(),
  publishNotReadyAddresses: z.boolean().optional(),
  trafficDistribution: z.string().optional(),
});

/** A v1 Service manifest. */
export const ServiceManifestSchema = z.object({
  apiVersion: z.literal("v1"),
  kind: z.literal("Service"),
  metadata: ObjectMetaManifestSchema,
  spec: ServiceSpecManifestSchema.optional(),
  status: z
    .object({
      loadBalancer: z
        .object({
          ingress: z.array(z.object({ ip: z.string().optional(), hostname: z.string().optional() })).optional(),
        })
        .optional(),
    })
    .optional(),
});

/** A Service as written, before defaulting. */
export type ServiceManifest = z.output<typeof ServiceManifestSchema>;
