import { describe, expect, it } from "vitest";
import { kubeProxyConntrackConfig, kubeProxyConntrackMax, LINUX_TIMEOUTS } from "../../src/conntrack/index.ts";

describe("kube-proxy conntrack sysctls (pkg/proxy/conntrack/sysctls.go)", () => {
  it("nf_conntrack_max = max(maxPerCore × cores, min), capped at 1048576; 0 leaves it alone", () => {
    expect(kubeProxyConntrackMax(32768, 131072, 1)).toBe(131072);
    expect(kubeProxyConntrackMax(32768, 131072, 4)).toBe(131072);
    expect(kubeProxyConntrackMax(32768, 131072, 8)).toBe(262144);
    expect(kubeProxyConntrackMax(32768, 131072, 64)).toBe(1048576);
    expect(kubeProxyConntrackMax(0, 131072, 8)).toBe(0);
  });

  it("applies the v1alpha1 defaults: 24h established, 1h close-wait, hashsize max/4, UDP untouched", () => {
    const c = kubeProxyConntrackConfig({ cores: 8 });
    expect([c.max, c.hashsize]).toEqual([262144, 65536]);
    expect([c.timeouts.tcpEstablished, c.timeouts.tcpCloseWait]).toEqual([86400, 3600]);
    expect([c.timeouts.udp, c.timeouts.udpStream]).toEqual([LINUX_TIMEOUTS.udp, LINUX_TIMEOUTS.udpStream]);
    const u = kubeProxyConntrackConfig({ cores: 1, udpTimeout: 10, udpStreamTimeout: 60, tcpBeLiberal: true });
    expect([u.timeouts.udp, u.timeouts.udpStream, u.tcpBeLiberal]).toEqual([10, 60, true]);
    expect(() => kubeProxyConntrackConfig({ cores: 1, maxPerCore: 0 })).toThrow(/kernelMax/);
    expect(kubeProxyConntrackConfig({ cores: 1, maxPerCore: 0, kernelMax: 65536 }).max).toBe(65536);
  });
});
