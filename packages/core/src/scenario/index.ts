export {
  type ContainerInput,
  type ContainerOptions,
  type ContainerPortInput,
  container,
  type DeploymentInput,
  type DeploymentOptions,
  deployment,
  type Labels,
  type NodeInput,
  type NodesOptions,
  nodes,
  type PodInput,
  type PodOptions,
  pod,
  type ServiceInput,
  type ServiceOptions,
  type ServicePortInput,
  service,
} from "./builders.ts";
export { apiNetworkOf, buildCluster, nodeObject, podKey, type SimCluster } from "./cluster.ts";
export { defineScenario } from "./define.ts";
export { type ScenarioDns, startDns } from "./dns.ts";
export { formatIssues } from "./errors.ts";
export { checkExpectations, type ExpectationResult, metricAt } from "./expect.ts";
export { type KubeDnsObjectsOptions, kubeDnsObjects } from "./kube-dns.ts";
export { readScenarioFile, scenarioDir } from "./load-file.ts";
export { type PreparedScenario, prepareScenario } from "./prepare.ts";
export { type RunOptions, type RunResult, runScenario, type StartedScenario, startScenario } from "./run.ts";
export {
  type ClientSpec,
  type ClusterSpec,
  type DnsSpec,
  DurationSchema,
  type Expectation,
  type Scenario,
  type ScenarioInput,
  ScenarioSchema,
  type ServerSpec,
  type TimelineAction,
} from "./schema.ts";
export { ClientLoadSchema, ClientSchema, ClientTargetSchema } from "./schema-workload.ts";
export { type ClientLoad, type ClientTarget, loadPlanOf, staticTarget, targetLookup } from "./targets.ts";
export { installWorkload, type WorkloadEnv, type WorkloadState } from "./workload.ts";
