export {
  type CompiledChain,
  type CompiledRule,
  type CompiledRuleset,
  type CompiledTable,
  type CompileOptions,
  compileRuleset,
} from "./compile.ts";
export {
  type ConntrackView,
  classifyAddress,
  type EvalContext,
  type IpsetLookup,
  type LogRecord,
  type MatchedRule,
  type NetfilterPacket,
  PROTO_OF,
  type Verdict,
} from "./context.ts";
export { type EvaluateOptions, evaluateTable, evaluateTableLinear, type TableResult } from "./evaluate.ts";
export {
  type ExplainOptions,
  type ExplainOutcome,
  type ExplainResult,
  type ExplainVerdict,
  explainChain,
  type StatisticDecision,
} from "./explain.ts";
export { evaluateTableIndexed } from "./fast-eval.ts";
export type { FastTests } from "./fast-rule.ts";
export { HOOK_ORDER, type HookStep, NF_IP_PRI, tablesAt } from "./hooks.ts";
export { ChainIndex, indexChain, type RuleGuard, ruleGuard } from "./index-chains.ts";
export {
  type KubeProxyTracePacket,
  type KubeProxyTraceResult,
  traceLikeKubeProxy,
} from "./kube-proxy-trace.ts";
export { parseCommonRule } from "./parse-fast.ts";
export { type ParsedRule, parseAnyRule, parseRuleWords } from "./parse-rule.ts";
export { type ParseSaveOptions, parseIptablesSave } from "./parse-save.ts";
export { RuleSyntaxError } from "./parse-values.ts";
export {
  formatMatch,
  formatProbability,
  formatRuleCanonical,
  formatRuleLine,
  formatTarget,
  saveString,
} from "./print-rule.ts";
export { type PrintSaveOptions, printIptablesSave } from "./print-save.ts";
export { type RecentEntryView, RecentTables } from "./recent.ts";
export { parseRule } from "./rule-text.ts";
export {
  appendRule,
  canonicalChainOrder,
  ensureChain,
  ensureTable,
  makeRule,
  newRuleset,
  newTable,
  zeroCounters,
} from "./ruleset.ts";
export { type Token, tokenize } from "./tokenize.ts";
export { type HookResult, traverseHook } from "./traverse.ts";
export {
  ADDR_TYPES,
  type AddrType,
  type AddrTypeCondition,
  BUILTIN_CHAINS,
  type Chain,
  type Counters,
  CT_STATE_BITS,
  type CtStateMask,
  type CtStateName,
  IP_PART_KINDS,
  type LayoutLine,
  type Match,
  type NatRange,
  type Policy,
  type PortCondition,
  type PortRange,
  type RecentCommand,
  type RecentMatch,
  type RejectWith,
  type Rule,
  type Ruleset,
  type StatisticNth,
  type StatisticRandom,
  TABLE_NAMES,
  type Table,
  type TableName,
  type Target,
} from "./types.ts";
