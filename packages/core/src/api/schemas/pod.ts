/**
 * The shape of v1 Pod and PodSpec manifests (k8s.io/api/core/v1 types.go
 * Container, ContainerPort, Probe, Lifecycle, PodStatus), limited to the
 * fields that decide how a Pod serves traffic: ports, readiness, preStop,
 * node placement, host networking and the termination grace period.
 */
import { z } from "zod";
import { IntOrStringSchema, ObjectMetaManifestSchema, ProtocolSchema, StringMapSchema } from "./common.ts";

const HttpGetSchema = z.object({ path: z.string().optional(), port: IntOrStringSchema });
const TcpSocketSchema = z.object({ port: IntOrStringSchema });
const ExecSchema = z.object({ command: z.array(z.string()) });

/** A readiness or liveness probe. */
export const ProbeManifestSchema = z.object({
  initialDelaySeconds: z.number().int().optional(),
  periodSeconds: z.number().int().optional(),
  timeoutSeconds: z.number().int().optional(),
  successThreshold: z.number().int().optional(),
  failureThreshold: z.number().int().optional(),
  httpGet: HttpGetSchema.optional(),
  tcpSocket: TcpSocketSchema.optional(),
  exec: ExecSchema.optional(),
  grpc: z.object({ port: z.number().int(), service: z.string().optional() }).optional(),
});

/** A container port. */
export const ContainerPortManifestSchema = z.object({
  name: z.string().optional(),
  containerPort: z.number().int(),
  protocol: ProtocolSchema.optional(),
  hostPort: z.number().int().optional(),
});

/** A container: its ports, probes and preStop hook. */
export const ContainerManifestSchema = z.object({
  name: z.string(),
  image: z.string().optional(),
  ports: z.array(ContainerPortManifestSchema).optional(),
  readinessProbe: ProbeManifestSchema.optional(),
  livenessProbe: ProbeManifestSchema.optional(),
  lifecycle: z
    .object({
      preStop: z
        .object({
          sleep: z.object({ seconds: z.number().int() }).optional(),
          exec: ExecSchema.optional(),
          httpGet: HttpGetSchema.optional(),
        })
        .optional(),
    })
    .optional(),
});

/** A PodSpec as written (also a Deployment's `spec.template.spec`). */
export const PodSpecManifestSchema = z.object({
  nodeName: z.string().optional(),
  containers: z.array(ContainerManifestSchema),
  hostNetwork: z.boolean().optional(),
  terminationGracePeriodSeconds: z.number().int().optional(),
  hostname: z.string().optional(),
  subdomain: z.string().optional(),
});

/** A v1 Pod manifest. */
export const PodManifestSchema = z.object({
  apiVersion: z.literal("v1"),
  kind: z.literal("Pod"),
  metadata: ObjectMetaManifestSchema,
  spec: PodSpecManifestSchema,
  status: z
    .object({
      phase: z.enum(["Pending", "Running", "Succeeded", "Failed", "Unknown"]).optional(),
      podIP: z.string().optional(),
      hostIP: z.string().optional(),
      conditions: z.array(z.object({ type: z.string(), status: z.enum(["True", "False", "Unknown"]) })).optional(),
    })
    .optional(),
});

/** A Pod template (`spec.template` of a Deployment). */
export const PodTemplateManifestSchema = z.object({
  metadata: z.object({ labels: StringMapSchema.optional(), annotations: StringMapSchema.optional() }).optional(),
  spec: PodSpecManifestSchema,
});

/** A PodSpec as written, before defaulting. */
export type PodSpecManifest = z.output<typeof PodSpecManifestSchema>;
/** A probe as written, before defaulting. */
export type ProbeManifest = z.output<typeof ProbeManifestSchema>;
/** A Pod as written, before defaulting. */
export type PodManifest = z.output<typeof PodManifestSchema>;
