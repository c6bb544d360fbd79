import { describe, expect, it } from "vitest";
import {
  addTime,
  formatDuration,
  formatTimestamp,
  MAX_TIME,
  ms,
  type Nanos,
  ns,
  parseDuration,
  s,
  us,
} from "../../src/engine/index.ts";

describe("time helpers", () => {
  it("convert units to integer nanoseconds", () => {
    expect(ns(7)).toBe(7);
    expect(us(3)).toBe(3_000);
    expect(ms(250)).toBe(250_000_000);
    expect(s(30)).toBe(30_000_000_000);
    expect(s(1.5)).toBe(1_500_000_000);
    expect(addTime(s(1), ms(1))).toBe(1_001_000_000);
  });

  it("round to the nearest nanosecond", () => {
    expect(us(0.0004)).toBe(0);
    expect(ns(1.6)).toBe(2);
  });

  it("reject negative, infinite and NaN times", () => {
    expect(() => ms(-1)).toThrow(RangeError);
    expect(() => s(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => ns(Number.NaN)).toThrow(RangeError);
    expect(() => ns(Number.MAX_SAFE_INTEGER * 2)).toThrow(RangeError);
    expect(MAX_TIME).toBe(Number.MAX_SAFE_INTEGER);
  });
});

// The accepted forms follow Go's time.ParseDuration (src/time/format.go), the
// syntax of Kubernetes and kube-proxy durations (e.g. --iptables-sync-period=30s,
// --min-sync-period=1s): a sequence of decimal numbers, each with a unit.
describe("parseDuration", () => {
  it.each([
    ["250ms", 250e6],
    ["30s", 30e9],
    ["2m", 120e9],
    ["1m30s", 90e9],
    ["1.5s", 1.5e9],
    ["1h2m3s", 3723e9],
    ["100us", 100e3],
    ["100µs", 100e3],
    ["42ns", 42],
    ["0", 0],
    [" 5s ", 5e9],
  ])("parses %j as %d ns", (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  // Go also rejects "30" (missing unit) and "abc"; unlike Go we reject "-1s":
  // simulated durations are never negative.
  it.each(["30", "abc", "-1s", "", "5 s", "1d", "s", "1m30"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow(SyntaxError);
  });

  it("names the input in its error", () => {
    expect(() => parseDuration("30")).toThrow(/"30"/);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [1, "1ns"],
    [1_500, "1.5us"],
    [250e6, "250ms"],
    [1.5e9, "1.5s"],
    [30e9, "30s"],
    [120e9, "2m"],
    [7200e9, "2h"],
  ])("formats %d ns as %j", (t, text) => {
    expect(formatDuration(t)).toBe(text);
  });

  it("round-trips through parseDuration for whole units", () => {
    for (const t of [1, 1_500, 250e6, 1.5e9, 30e9, 120e9, 7200e9, 90e9]) {
      expect(parseDuration(formatDuration(t))).toBe(t);
    }
  });
});

describe("formatTimestamp", () => {
  it("prints seconds with nine fractional digits", () => {
    expect(formatTimestamp(0)).toBe("0.000000000");
    expect(formatTimestamp(120_000)).toBe("0.000120000");
    expect(formatTimestamp(12_000_250_000 as Nanos)).toBe("12.000250000");
    expect(formatTimestamp(1)).toBe("0.000000001");
  });
});
