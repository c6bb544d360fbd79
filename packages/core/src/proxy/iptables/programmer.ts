import type { Nanos } from "../../engine/index.ts";
import { ProxyState } from "../proxy-state.ts";
import type { ProxyView, SyncStats } from "../types.ts";
import { isServiceChainName } from "./chain-names.ts";
import {
  type IptablesProxierConfig,
  LARGE_CLUSTER_ENDPOINTS_THRESHOLD,
  type ResolvedIptablesConfig,
  resolveIptablesConfig,
} from "./config.ts";
import { iptablesSave } from "./inspect.ts";
import { ensureJumpRules } from "./jump-rules.ts";
import { chainLine, LineBuffer } from "./line-buffer.ts";
import { planService } from "./service-plan.ts";
import { IptablesTables, type TableName } from "./tables.ts";
import { type RestoreBuffers, writeHead, writeTail } from "./write-base.ts";
import { type ChainBuffers, writeServiceChains } from "./write-service-chains.ts";
import { writeServiceEntryRules } from "./write-service-entry.ts";

/** What one iptables sync did. `written` counts the rules in the restore input (filter + nat − deleted chains). */
export interface IptablesSyncStats extends SyncStats {
  /** True for a full sync (every service chain rewritten). */
  readonly full: boolean;
  /** The `iptables-restore` input kube-proxy fed the kernel in this sync. */
  readonly restoreInput: string;
  /** Rules written to the filter table (kube-proxy metric sync_proxy_rules_iptables_last, table=filter). */
  readonly filterRules: number;
  /** nat rules written minus chains deleted (sync_proxy_rules_iptables_last, table=nat). */
  readonly natRules: number;
  /** nat rules in the kernel after the sync (sync_proxy_rules_iptables_total, table=nat). */
  readonly natRulesTotal: number;
  /** Stale KUBE-SVC/SEP/… chains deleted. */
  readonly deletedChains: number;
  /** Service ports whose own chains a partial sync left untouched. */
  readonly skippedServices: number;
}

/**
 * kube-proxy's iptables mode, as a programmer: Services and EndpointSlices in,
 * `iptables-restore` input out (proxier.go syncProxyRules, kube-proxy 1.33),
 * applied to a model of the node's tables. A partial sync rewrites the shared
 * chains but only the own chains of Services that changed; a full sync
 * rewrites everything and re-installs the jump rules.
 */
export class IptablesProgrammer {
  /** The proxy mode. */
  readonly mode = "iptables" as const;
  private readonly cfg: ResolvedIptablesConfig;
  private readonly state: ProxyState;
  private readonly kernel = new IptablesTables();
  private needFullSync = true;
  private lastCleanup: Nanos | undefined;
  private lastRestore: () => string = () => "";

  /** @throws InputError when the config is invalid. */
  constructor(config: IptablesProxierConfig) {
    this.cfg = resolveIptablesConfig(config);
    this.state = new ProxyState(this.cfg.nodeName);
  }

  /** Programs the tables from the node's current view; `full` forces a full sync. */
  sync(view: ProxyView, full: boolean, now: Nanos): IptablesSyncStats {
    this.state.observe(view);
    const { updatedServices } = this.state.apply();
    const doFull = full || this.needFullSync;
    if (doFull) ensureJumpRules(this.kernel);
    const out: RestoreBuffers = {
      filterChains: new LineBuffer(),
      filterRules: new LineBuffer(),
      natChains: new LineBuffer(),
      natRules: new LineBuffer(),
    };
    writeHead(out, this.cfg);
    const services = this.writeServices(out, doFull, updatedServices);
    const deletedChains = this.deleteStaleChains(out, services.active, services.largeClusterMode, now);
    writeTail(out, this.cfg);
    const runs = restoreRuns(out);
    this.kernel.restoreLines(runs);
    this.needFullSync = false;
    // The text is built only when asked for: a 10k-Service sync writes tens of megabytes of it.
    let text: string | undefined;
    const render = (): string => {
      text ??= `${runs.flat().join("\n")}\n`;
      return text;
    };
    this.lastRestore = render;
    const natRules = out.natRules.lines - deletedChains;
    return {
      services: this.state.services.size,
      endpoints: services.totalEndpoints,
      written: out.filterRules.lines + natRules,
      full: doFull,
      get restoreInput() {
        return render();
      },
      filterRules: out.filterRules.lines,
      natRules,
      natRulesTotal: out.natRules.lines + services.skippedRules - deletedChains,
      deletedChains,
      skippedServices: services.skipped,
    };
  }

  private writeServices(out: RestoreBuffers, doFull: boolean, updated: ReadonlySet<string>) {
    const keys = [...this.state.services.keys()].sort();
    let totalEndpoints = 0;
    for (const k of keys) totalEndpoints += this.state.endpoints.get(k)?.length ?? 0;
    // why: "large cluster mode" above 1000 endpoints drops per-endpoint comments.
    const largeClusterMode = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
    const active = new Set<string>();
    const real: ChainBuffers = {
      natChains: out.natChains,
      natRules: out.natRules,
      activeNatChains: active,
      largeClusterMode,
    };
    const skippedRules = new LineBuffer(true);
    const skippedBufs: ChainBuffers = { ...real, natChains: new LineBuffer(true), natRules: skippedRules };
    let skipped = 0;
    for (const key of keys) {
      const svc = this.state.services.get(key)!;
      const plan = planService(svc, this.state.endpoints.get(key) ?? [], this.cfg);
      writeServiceEntryRules(plan, out, this.cfg);
      // why: in a partial sync the SVC/SVL/EXT/FW/SEP chains of a Service whose Service object and
      // slices did not change are left out of the restore input (they stay in the kernel as they are).
      const changed = doFull || updated.has(`${svc.name.namespace}/${svc.name.name}`);
      if (!changed) skipped++;
      writeServiceChains(plan, changed ? real : skippedBufs, this.cfg);
    }
    return { active, largeClusterMode, totalEndpoints, skipped, skippedRules: skippedRules.lines };
  }

  private deleteStaleChains(out: RestoreBuffers, active: ReadonlySet<string>, large: boolean, now: Nanos): number {
    // why: iptables-save is slow with many rules, so large clusters look for stale chains at most
    // once per sync period; stale chains are unreferenced and harmless meanwhile.
    if (large && this.lastCleanup !== undefined && now - this.lastCleanup <= this.cfg.syncPeriod) return 0;
    let deleted = 0;
    for (const chain of this.kernel.chains("nat")) {
      if (active.has(chain) || !isServiceChainName(chain)) continue;
      out.natChains.write(chainLine(chain));
      out.natRules.write("-X", chain);
      deleted++;
    }
    this.lastCleanup = now;
    return deleted;
  }

  /** The `iptables-restore` input of the last sync ("" before the first). */
  get lastRestoreInput(): string {
    return this.lastRestore();
  }

  /** The node's tables now, as `iptables-save` would list them. */
  iptablesSave(tables?: readonly TableName[]): string {
    return iptablesSave(this.kernel, tables);
  }

  /** The model of the node's tables (read-only use). */
  get tables(): IptablesTables {
    return this.kernel;
  }

  /** Forces the next sync to be full (kube-proxy does so when node labels change or its rules were flushed). */
  requestFullSync(): void {
    this.needFullSync = true;
  }
}

/** The restore input as runs of lines, in kube-proxy's order: filter chains, filter rules, nat chains, nat rules. */
function restoreRuns(out: RestoreBuffers): (readonly string[])[] {
  return [
    ["*filter"],
    out.filterChains.text,
    out.filterRules.text,
    ["COMMIT", "*nat"],
    out.natChains.text,
    out.natRules.text,
    ["COMMIT"],
  ];
}
