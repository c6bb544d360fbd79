export { apiNetworkOf, buildCluster, nodeObject, podKey, type SimCluster } from "./cluster.ts";
export { defineScenario } from "./define.ts";
export { formatIssues } from "./errors.ts";
export { checkExpectations, type ExpectationResult, metricAt } from "./expect.ts";
export { readScenarioFile, scenarioDir } from "./load-file.ts";
export { type PreparedScenario, prepareScenario } from "./prepare.ts";
export { type RunOptions, type RunResult, runScenario, type StartedScenario, startScenario } from "./run.ts";
export {
  type ClientSpec,
  type ClusterSpec,
  DurationSchema,
  type Expectation,
  type Scenario,
  type ScenarioInput,
  ScenarioSchema,
  type ServerSpec,
  type TimelineAction,
} from "./schema.ts";
export { installWorkload, type WorkloadState } from "./workload.ts";
