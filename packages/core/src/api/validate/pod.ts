/**
 * Pod and Deployment validation, limited to the fields svcsim keeps
 * (kubernetes pkg/apis/core/validation/validation.go ValidatePodSpec,
 * validateContainerPorts, validateProbe, validateLifecycle; pkg/apis/apps/
 * validation/validation.go ValidateDeploymentSpec, ValidateRollingUpdateDeployment).
 */
import { checkDns1123Label, checkDns1123Subdomain, checkIPv4, checkPortName, checkPortNumber } from "../names.ts";
import type { FieldPath, Problem } from "../problems.ts";
import type { Container, Deployment, Pod, PodSpec, Probe } from "../types.ts";
import { findDuplicates, flag, validateLabels, validateMeta } from "./meta.ts";

function portRef(port: number | string): string | undefined {
  return typeof port === "number" ? checkPortNumber(port) : checkPortName(port);
}

function nonNegative(out: Problem[], path: FieldPath, value: number, min = 0): void {
  if (value < min) out.push({ path, message: `must be at least ${min}, got ${value}` });
}

function validateProbe(p: Probe, path: FieldPath, liveness: boolean): Problem[] {
  const out: Problem[] = [];
  nonNegative(out, [...path, "initialDelaySeconds"], p.initialDelaySeconds);
  for (const f of ["periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold"] as const) {
    nonNegative(out, [...path, f], p[f], 1);
  }
  // why: validateProbe — a liveness probe's successThreshold must be 1.
  if (liveness && p.successThreshold !== 1)
    out.push({
      path: [...path, "successThreshold"],
      message: `must be 1 for a liveness probe, got ${p.successThreshold}`,
    });
  const handlers = (["httpGet", "tcpSocket", "exec", "grpc"] as const).filter((h) => p[h] !== undefined);
  if (handlers.length !== 1) {
    out.push({
      path,
      message: `must specify exactly one handler (httpGet, tcpSocket, exec or grpc), got ${handlers.length}`,
    });
  }
  if (p.httpGet) flag(out, [...path, "httpGet", "port"], portRef(p.httpGet.port));
  if (p.tcpSocket) flag(out, [...path, "tcpSocket", "port"], portRef(p.tcpSocket.port));
  if (p.grpc) flag(out, [...path, "grpc", "port"], checkPortNumber(p.grpc.port));
  return out;
}

function validateContainer(c: Container, path: FieldPath, grace: number): Problem[] {
  const out: Problem[] = [];
  flag(out, [...path, "name"], checkDns1123Label(c.name));
  c.ports.forEach((p, i) => {
    if (p.name !== undefined) flag(out, [...path, "ports", i, "name"], checkPortName(p.name));
    flag(out, [...path, "ports", i, "containerPort"], checkPortNumber(p.containerPort));
    if (p.hostPort !== undefined) flag(out, [...path, "ports", i, "hostPort"], checkPortNumber(p.hostPort));
  });
  out.push(
    ...findDuplicates(
      c.ports,
      (p) => p.name,
      (i) => [...path, "ports", i, "name"],
      (k) => `port name "${k}"`,
    ),
  );
  if (c.readinessProbe) out.push(...validateProbe(c.readinessProbe, [...path, "readinessProbe"], false));
  if (c.livenessProbe) out.push(...validateProbe(c.livenessProbe, [...path, "livenessProbe"], true));
  const hook = c.lifecycle?.preStop;
  if (hook !== undefined) {
    const at = [...path, "lifecycle", "preStop"];
    const n = [hook.sleep, hook.exec, hook.httpGet].filter((h) => h !== undefined).length;
    if (n !== 1) out.push({ path: at, message: `must specify exactly one handler (sleep, exec or httpGet), got ${n}` });
    // why: validateSleepAction — the sleep must fit in the grace period (0 allowed
    // since PodLifecycleSleepActionAllowZero, on by default from v1.33).
    const secs = hook.sleep?.seconds;
    if (secs !== undefined && (secs < 0 || secs > grace)) {
      out.push({
        path: [...at, "sleep", "seconds"],
        message: `must be between 0 and terminationGracePeriodSeconds (${grace}), got ${secs}`,
      });
    }
    if (hook.httpGet) flag(out, [...at, "httpGet", "port"], portRef(hook.httpGet.port));
  }
  return out;
}

/** Validates a PodSpec found at `path` (`spec` of a Pod, `spec.template.spec` of a Deployment). */
export function validatePodSpec(spec: PodSpec, path: FieldPath): Problem[] {
  const out: Problem[] = [];
  if (spec.containers.length === 0)
    out.push({ path: [...path, "containers"], message: "must contain at least one container" });
  const grace = spec.terminationGracePeriodSeconds;
  nonNegative(out, [...path, "terminationGracePeriodSeconds"], grace);
  spec.containers.forEach((c, i) => {
    out.push(...validateContainer(c, [...path, "containers", i], grace));
  });
  out.push(
    ...findDuplicates(
      spec.containers,
      (c) => c.name,
      (i) => [...path, "containers", i, "name"],
      (k) => `container name "${k}"`,
    ),
  );
  if (spec.nodeName !== undefined) flag(out, [...path, "nodeName"], checkDns1123Subdomain(spec.nodeName));
  if (spec.hostname !== undefined) flag(out, [...path, "hostname"], checkDns1123Label(spec.hostname));
  if (spec.subdomain !== undefined) flag(out, [...path, "subdomain"], checkDns1123Label(spec.subdomain));
  return out;
}

/** Every problem with a (defaulted) Pod. */
export function validatePod(pod: Pod): Problem[] {
  const out = [...validateMeta(pod.metadata, checkDns1123Subdomain), ...validatePodSpec(pod.spec, ["spec"])];
  if (pod.status.podIP !== undefined) flag(out, ["status", "podIP"], checkIPv4(pod.status.podIP));
  if (pod.status.hostIP !== undefined) flag(out, ["status", "hostIP"], checkIPv4(pod.status.hostIP));
  return out;
}

/** Checks an int-or-percent (`2` or `"25%"`), as ValidatePositiveIntOrPercent does. */
function intOrPercent(value: number | string, isMaxUnavailable: boolean): string | undefined {
  if (typeof value === "number") return value >= 0 ? undefined : `must be at least 0, got ${value}`;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return `must be an integer or a percentage such as "25%", got ${JSON.stringify(value)}`;
  // why: IsNotMoreThan100Percent applies to maxUnavailable only; maxSurge may exceed 100%.
  if (isMaxUnavailable && Number(m[1]) > 100) return `must not be greater than 100%, got ${JSON.stringify(value)}`;
  return undefined;
}

function isZero(value: number | string): boolean {
  return value === 0 || /^0+%$/.test(String(value));
}

function validateStrategy(d: Deployment): Problem[] {
  const out: Problem[] = [];
  const { type, rollingUpdate: ru } = d.spec.strategy;
  const at = ["spec", "strategy", "rollingUpdate"];
  if (type === "Recreate" && ru !== undefined)
    out.push({ path: at, message: "may not be specified when strategy `type` is 'Recreate'" });
  if (type !== "RollingUpdate" || ru === undefined) return out;
  flag(out, [...at, "maxSurge"], intOrPercent(ru.maxSurge, false));
  flag(out, [...at, "maxUnavailable"], intOrPercent(ru.maxUnavailable, true));
  // why: ValidateRollingUpdateDeployment — a rollout that may neither add nor remove a Pod cannot progress.
  if (isZero(ru.maxSurge) && isZero(ru.maxUnavailable)) {
    out.push({ path: [...at, "maxUnavailable"], message: "may not be 0 when `maxSurge` is 0" });
  }
  return out;
}

/** Every problem with a (defaulted) Deployment. */
export function validateDeployment(d: Deployment): Problem[] {
  const out = validateMeta(d.metadata, checkDns1123Subdomain);
  nonNegative(out, ["spec", "replicas"], d.spec.replicas);
  nonNegative(out, ["spec", "minReadySeconds"], d.spec.minReadySeconds);
  const selector = d.spec.selector.matchLabels;
  if (Object.keys(selector).length === 0)
    out.push({ path: ["spec", "selector"], message: "empty selector is invalid for deployment" });
  out.push(...validateLabels(selector, ["spec", "selector", "matchLabels"]));
  const labels = d.spec.template.metadata.labels;
  out.push(...validateLabels(labels, ["spec", "template", "metadata", "labels"]));
  const mismatch = Object.keys(selector).filter((k) => labels[k] !== selector[k]);
  if (Object.keys(selector).length > 0 && mismatch.length > 0) {
    out.push({
      path: ["spec", "template", "metadata", "labels"],
      message: `must match spec.selector.matchLabels (differs at ${mismatch.sort().join(", ")})`,
    });
  }
  out.push(...validatePodSpec(d.spec.template.spec, ["spec", "template", "spec"]));
  out.push(...validateStrategy(d));
  return out;
}
