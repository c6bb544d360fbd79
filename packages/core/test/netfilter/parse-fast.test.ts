import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { s } from "../../src/engine/index.ts";
import {
  parseAnyRule,
  parseCommonRule,
  parseIptablesSave,
  type TableName,
  tokenize,
} from "../../src/netfilter/index.ts";
import { IptablesProgrammer } from "../../src/proxy/index.ts";
import { ep, epPort, fakeProxierConfig, makeService, makeSlice, port, view } from "../proxy/fixtures.ts";
import { natRuleset } from "./random-rules.ts";

/** The general parser's answer: the rule, or the message it refuses the words with. */
function general(words: ReturnType<typeof tokenize>, table: TableName) {
  if (!words.ok) return { error: words.error };
  try {
    return { rule: parseAnyRule(words.tokens, table) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The fast path must give exactly what the general parser gives whenever it
 * answers at all, and must not answer where the general parser refuses the
 * rule (so that the general parser's error is the one reported).
 */
function agrees(body: string, table: TableName = "nat"): void {
  const words = tokenize(body);
  const fast = words.ok ? parseCommonRule(words.tokens, table) : undefined;
  const ref = general(words, table);
  if (fast === undefined) return;
  expect(ref.error).toBeUndefined();
  expect(fast).toEqual(ref.rule);
  // Same key order too, so that printed or serialised rules stay byte-identical.
  expect(JSON.stringify(fast)).toBe(JSON.stringify(ref.rule));
}

const WORDS = [
  "!",
  "-s",
  "-d",
  "-p",
  "-m",
  "-j",
  "-g",
  "--dport",
  "--sport",
  "--comment",
  "--mode",
  "--probability",
  "--to-destination",
  "tcp",
  "udp",
  "sctp",
  "icmp",
  "all",
  "comment",
  "statistic",
  "random",
  "nth",
  "0.5000000000",
  "1.5",
  "80",
  "0:65535",
  "80:90",
  "70000",
  "10.0.0.1",
  "10.0.0.0/8",
  "10.1.2.3:8080",
  "10.1.2.3:80-90",
  "host.example",
  "ACCEPT",
  "DROP",
  "RETURN",
  "DNAT",
  "MARK",
  "MASQUERADE",
  "KUBE-SVC-ABC",
  "constructor",
  '"a b"',
  "x",
];

describe("parseCommonRule (the fast path for kube-proxy's rule shapes)", () => {
  it("reads every line kube-proxy writes for a small cluster exactly as the general parser does", () => {
    const programmer = new IptablesProgrammer(fakeProxierConfig());
    const svc = makeService("ns1", "svc1", (sv) => {
      sv.spec.clusterIP = "172.30.0.41";
      sv.spec.ports = [port("p80", 80, "TCP", 30080)];
      sv.spec.type = "NodePort";
      sv.spec.sessionAffinity = "ClientIP";
    });
    const udp = makeService("ns2", "dns", (sv) => {
      sv.spec.clusterIP = "172.30.0.42";
      sv.spec.ports = [port("p53", 53, "UDP")];
      sv.spec.externalIPs = ["192.168.99.11"];
    });
    const slices = [
      makeSlice("ns1", "svc1", 1, [ep("10.180.0.1"), ep("10.180.0.2", "test-node")], [epPort("p80", 80, "TCP")]),
      makeSlice("ns2", "dns", 1, [ep("10.180.0.3")], [epPort("p53", 53, "UDP")]),
    ];
    programmer.sync(view([svc, udp], slices), true, s(0));
    const text = programmer.iptablesSave();
    let fastLines = 0;
    let table: TableName = "filter";
    for (const line of text.split("\n")) {
      if (line.startsWith("*")) table = line.slice(1) as TableName;
      if (!line.startsWith("-A ")) continue;
      const body = line.slice(line.indexOf(" ", 3) + 1);
      agrees(body, table);
      const words = tokenize(body);
      if (words.ok && parseCommonRule(words.tokens, table)) fastLines++;
    }
    // Most of kube-proxy's lines take the fast path.
    expect(fastLines).toBeGreaterThan(5);
    expect(() => parseIptablesSave(text)).not.toThrow();
  });

  it("agrees with the general parser on tricky lines", () => {
    const lines = [
      "-p tcp --dport 80 -m tcp",
      "-m tcp -p udp --dport 80 -j ACCEPT",
      "-m tcp -p tcp --dport 0:65535 -j ACCEPT",
      "-m tcp -p tcp ! --dport 80 ! --sport 1:2 -j KUBE-X",
      "! -p tcp --dport 80",
      "-j DNAT --to-destination 10.1.2.3:80-90",
      "-p udp -j DNAT --to-destination 10.1.2.3:80-90",
      "-j DNAT --to-destination 10.1.2.3",
      "-j constructor",
      "-j toString",
      "-s 10.0.0.1 -s 10.0.0.2",
      "-d 10.0.0.0/255.0.0.0 -j ACCEPT",
      `-m comment --comment "${"x".repeat(85)}" -j ACCEPT`,
      `-m comment --comment "${"é".repeat(85)}" -j ACCEPT`,
      '-m comment --comment "a \\"quoted\\" b" -j KUBE-MARK-MASQ',
      "-m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-X",
      "-m statistic --mode random --probability 2 -j KUBE-SEP-X",
      "-j ACCEPT -m comment --comment late",
      "-m tcp --dport 80 -p tcp -j ACCEPT",
    ];
    for (const line of lines) {
      agrees(line, "nat");
      agrees(line, "filter");
    }
  });

  it("agrees on arbitrary word sequences (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }), fc.boolean(), (words, nat) => {
        agrees(words.join(" "), nat ? "nat" : "filter");
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees on kube-proxy-shaped rulesets with arbitrary rules interleaved (property)", () => {
    fc.assert(
      fc.property(natRuleset, (text) => {
        for (const line of text.split("\n")) {
          if (line.startsWith("-A ")) agrees(line.slice(line.indexOf(" ", 3) + 1));
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * The character-by-character splitter the tokenizer had before it sliced
 * plain words out of the line: the reference for the property below
 * (iptables/xshared.c add_param_to_argv: blanks split, quotes group, a
 * backslash inside quotes escapes the next character).
 */
function referenceTokenize(line: string): ReturnType<typeof tokenize> {
  const tokens: { text: string; col: number }[] = [];
  let word = "";
  let inWord = false;
  let start = 0;
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== "") {
      if (c === "\\" && i + 1 < line.length) word += line[++i];
      else if (c === quote) quote = "";
      else word += c;
      continue;
    }
    if (c === " " || c === "\t") {
      if (inWord) tokens.push({ text: word, col: start });
      word = "";
      inWord = false;
      continue;
    }
    if (!inWord) {
      inWord = true;
      start = i;
    }
    if (c === '"' || c === "'") quote = c;
    else word += c;
  }
  if (quote !== "") return { ok: false, error: `unterminated ${quote === '"' ? "double" : "single"} quote` };
  if (inWord) tokens.push({ text: word, col: start });
  return { ok: true, tokens };
}

describe("tokenize", () => {
  it("splits any line exactly as the character-by-character splitter does (property)", () => {
    const chars = fc.constantFrom(" ", "\t", '"', "'", "\\", "a", "-", "b", "é", "1");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 40 }), (cs) => {
        const line = cs.join("");
        expect(tokenize(line)).toEqual(referenceTokenize(line));
      }),
      { numRuns: 5000 },
    );
  });
});
