/**
 * The shapes of apps/v1 Deployment, discovery.k8s.io/v1 EndpointSlice and
 * v1 Node manifests (k8s.io/api apps/v1, discovery/v1 and core/v1 types.go),
 * limited to what the Service packet path reads.
 */
import { z } from "zod";
import { IntOrStringSchema, ObjectMetaManifestSchema, ProtocolSchema, StringMapSchema } from "./common.ts";
import { PodTemplateManifestSchema } from "./pod.ts";

/** An apps/v1 Deployment manifest. */
export const DeploymentManifestSchema = z.object({
  apiVersion: z.literal("apps/v1"),
  kind: z.literal("Deployment"),
  metadata: ObjectMetaManifestSchema,
  spec: z.object({
    replicas: z.number().int().optional(),
    selector: z.object({
      matchLabels: StringMapSchema.optional(),
      matchExpressions: z.array(z.unknown()).optional(),
    }),
    template: PodTemplateManifestSchema,
    strategy: z
      .object({
        type: z.enum(["RollingUpdate", "Recreate"]).optional(),
        rollingUpdate: z
          .object({ maxSurge: IntOrStringSchema.optional(), maxUnavailable: IntOrStringSchema.optional() })
          .optional(),
      })
      .optional(),
    minReadySeconds: z.number().int().optional(),
  }),
});

/** One endpoint of an EndpointSlice. */
export const EndpointManifestSchema = z.object({
  addresses: z.array(z.string()),
  conditions: z
    .object({ ready: z.boolean().optional(), serving: z.boolean().optional(), terminating: z.boolean().optional() })
    .optional(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  zone: z.string().optional(),
  hints: z
    .object({
      forZones: z.array(z.object({ name: z.string() })).optional(),
      forNodes: z.array(z.object({ name: z.string() })).optional(),
    })
    .optional(),
  targetRef: z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional() }).optional(),
});

/** A discovery.k8s.io/v1 EndpointSlice manifest. */
export const EndpointSliceManifestSchema = z.object({
  apiVersion: z.literal("discovery.k8s.io/v1"),
  kind: z.literal("EndpointSlice"),
  metadata: ObjectMetaManifestSchema,
  addressType: z.enum(["IPv4", "IPv6", "FQDN"]),
  endpoints: z.array(EndpointManifestSchema).optional(),
  ports: z
    .array(
      z.object({
        name: z.string().optional(),
        protocol: ProtocolSchema.optional(),
        port: z.number().int().optional(),
        appProtocol: z.string().optional(),
      }),
    )
    .optional(),
});

/** A v1 Node manifest. */
export const NodeManifestSchema = z.object({
  apiVersion: z.literal("v1"),
  kind: z.literal("Node"),
  metadata: ObjectMetaManifestSchema,
  spec: z
    .object({
      podCIDR: z.string().optional(),
      podCIDRs: z.array(z.string()).optional(),
      unschedulable: z.boolean().optional(),
    })
    .optional(),
  status: z
    .object({
      addresses: z
        .array(
          z.object({
            type: z.enum(["InternalIP", "ExternalIP", "Hostname", "InternalDNS", "ExternalDNS"]),
            address: z.string(),
          }),
        )
        .optional(),
      // why: YAML reads `cpu: 4` as a number; the API's Quantity accepts both forms.
      allocatable: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    })
    .optional(),
});

/** A Deployment as written, before defaulting. */
export type DeploymentManifest = z.output<typeof DeploymentManifestSchema>;
/** An EndpointSlice as written, before defaulting. */
export type EndpointSliceManifest = z.output<typeof EndpointSliceManifestSchema>;
/** A Node as written, before defaulting. */
export type NodeManifest = z.output<typeof NodeManifestSchema>;
