import { describe, expect, it } from "vitest";
import { InputError } from "../../src/engine/index.ts";
import { compileRuleset, parseIptablesSave, parseRule } from "../../src/netfilter/index.ts";

function problems(text: string, file?: string): readonly string[] {
  try {
    parseIptablesSave(text, file === undefined ? {} : { file });
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
  throw new Error("expected an InputError");
}

const wrap = (...rules: string[]) =>
  ["*filter", ":INPUT ACCEPT [0:0]", ":X - [0:0]", ...rules, "COMMIT", ""].join("\n");

describe("iptables-save parse errors", () => {
  it("names the file, the line and the offending token", () => {
    expect(problems(wrap("-A INPUT -m foo -j ACCEPT"), "dump.txt")).toEqual([
      'dump.txt: line 4: unknown match "-m foo"',
    ]);
    expect(problems(wrap("-A INPUT -j"))).toEqual(["<input>: line 4: expected a chain name after -j"]);
    expect(problems(wrap("-A INPUT -p tcp --frobnicate 1 -j ACCEPT"))).toEqual([
      '<input>: line 4: unknown option "--frobnicate"',
    ]);
  });

  it("collects every bad line, not just the first", () => {
    const text = wrap("-A INPUT -s 10.0.0.300 -j ACCEPT", "-A INPUT -j ACCEPT", "-A NOPE -j ACCEPT");
    expect(problems(text)).toEqual([
      '<input>: line 4: expected an IPv4 address or CIDR, got "10.0.0.300" (host names are not resolved)',
      '<input>: line 6: chain "NOPE" is not declared in *filter (add ":NOPE - [0:0]")',
    ]);
  });

  it("rejects structural mistakes", () => {
    expect(problems("-A INPUT -j ACCEPT\n")).toEqual([
      '<input>: line 1: expected a table line such as "*nat" before "-A INPUT -j ACCEPT"',
    ]);
    expect(problems("*filter\n:INPUT ACCEPT [0:0]\n")).toEqual([
      "<input>: line 2: missing COMMIT for table *filter opened on line 1",
    ]);
    expect(problems("*security\nCOMMIT\n")[0]).toMatch(/line 1: unknown table "\*security"/);
    expect(problems("*filter\n:X DROP [0:0]\nCOMMIT\n")).toEqual([
      '<input>: line 2: cannot set policy "DROP" on user chain "X" (use "-")',
    ]);
  });

  it("reports jumps to unknown chains on the rule's own line", () => {
    expect(problems(wrap("-A INPUT -j KUBE-MISSING"))).toEqual([
      '<input>: line 4: -A INPUT rule 1: unknown target or chain "KUBE-MISSING" (no such chain in *filter)',
    ]);
  });

  it("enforces what iptables enforces", () => {
    // why: libxt_tcp.t — "-m tcp --dport 1;;FAIL" (no -p tcp).
    expect(problems(wrap("-A INPUT -m tcp --dport 1 -j ACCEPT"))[0]).toMatch(/-m tcp requires -p tcp/);
    // why: DNAT is registered for the nat table only.
    expect(problems(wrap("-A INPUT -j DNAT --to-destination 1.2.3.4"))[0]).toMatch(/only valid in the nat table/);
    // why: libipt_DNAT.t — a port range without -p tcp|udp FAILs.
    expect(() => parseRule("-A X -j DNAT --to-destination 1.1.1.1:1025-65535", "nat")).toThrow(/needs -p tcp/);
    // why: libxt_comment.c — at most 255 bytes.
    expect(problems(wrap(`-A INPUT -m comment --comment ${"a".repeat(256)}`))[0]).toMatch(/255 bytes/);
    expect(problems(wrap("-A INPUT -m statistic --mode random -j ACCEPT"))[0]).toMatch(
      /--probability must be specified/,
    );
    expect(problems(wrap("-A INPUT -m recent --reap -j ACCEPT"))[0]).toMatch(/--set, --rcheck, --update or --remove/);
    expect(problems(wrap("-A INPUT -m recent --rcheck --reap -j ACCEPT"))[0]).toMatch(/--reap needs --seconds/);
    expect(problems(wrap("-A INPUT ! -m comment --comment x"))[0]).toMatch(/"!" cannot be used before -m/);
    expect(problems(wrap('-A INPUT -m comment --comment "open'))[0]).toMatch(/unterminated double quote/);
  });

  it("refuses jump loops when compiling, as the kernel does (ELOOP)", () => {
    const rs = parseIptablesSave(
      ["*filter", ":A - [0:0]", ":B - [0:0]", "-A A -j B", "-A B -j A", "COMMIT", ""].join("\n"),
    );
    expect(() => compileRuleset(rs)).toThrow(/jump loop A -> B -> A/);
  });
});
