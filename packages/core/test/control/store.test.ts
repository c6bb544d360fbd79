import { describe, expect, it } from "vitest";
import { ApiStore, type WatchEvent } from "../../src/control/index.ts";
import { InputError, Scheduler, s } from "../../src/engine/index.ts";
import { TraceRecorder } from "../../src/trace/index.ts";
import { node, pod, service } from "./fixtures.ts";

describe("ApiStore", () => {
  it("bumps one resourceVersion per write and lists by key", () => {
    const store = new ApiStore();
    store.create(pod("b"));
    store.create(pod("a"));
    store.create(node("n1"));
    expect(store.resourceVersion).toBe(3);
    expect(store.list("Pod").map((p) => p.metadata.name)).toEqual(["a", "b"]);
    expect(store.get("Node", "n1")?.metadata.name).toBe("n1");
    expect(store.versionOf("Pod", "default/a")).toBe(2);
    store.patch("Pod", "default/a", (d) => {
      d.metadata.labels.tier = "x";
    });
    expect(store.versionOf("Pod", "default/a")).toBe(4);
    expect(store.list("Pod")[0]?.metadata.labels.tier).toBe("x");
  });

  it("skips writes that change nothing", () => {
    const store = new ApiStore();
    const p = store.create(pod("a"));
    store.update(structuredClone(p));
    store.patch("Pod", "default/a", () => {});
    expect(store.resourceVersion).toBe(1);
  });

  it("rejects duplicates and missing objects with InputError", () => {
    const store = new ApiStore();
    store.create(pod("a"));
    expect(() => store.create(pod("a"))).toThrow(InputError);
    expect(() => store.update(pod("zz"))).toThrow(/does not exist/);
    expect(() => store.delete("Pod", "default/zz")).toThrow(InputError);
  });

  it("stores frozen copies, and snapshots are plain copies", () => {
    const store = new ApiStore();
    const input = pod("a");
    const stored = store.create(input);
    input.metadata.labels.app = "changed";
    expect(stored.metadata.labels.app).toBe("web");
    expect(() => {
      (stored.metadata.labels as Record<string, string>).app = "x";
    }).toThrow(TypeError);
    const snap = store.snapshot();
    const copy = snap.objects.Pod["default/a"];
    expect(copy).toEqual(stored);
    expect(Object.isFrozen(copy)).toBe(false);
    expect(snap.resourceVersion).toBe(1);
  });

  it("delivers events in order even when a watcher writes during delivery", () => {
    const store = new ApiStore();
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    store.watch((e) => {
      seenByA.push(`${e.verb} ${e.key} rv${e.resourceVersion}`);
      // A controller reacting synchronously: its write must reach B after the event that caused it.
      if (e.kind === "Service" && e.verb === "create") store.create(pod("made-by-a"));
    });
    store.watch((e) => seenByB.push(`${e.verb} ${e.key} rv${e.resourceVersion}`));
    store.create(service("web"));
    expect(seenByA).toEqual(["create default/web rv1", "create default/made-by-a rv2"]);
    expect(seenByB).toEqual(seenByA);
  });

  it("gives old and new objects, and the last state on delete", () => {
    const store = new ApiStore();
    const events: WatchEvent[] = [];
    store.watch((e) => events.push(e));
    store.create(pod("a"));
    store.patch("Pod", "default/a", (d) => {
      d.status.phase = "Running";
    });
    store.delete("Pod", "default/a");
    expect(events.map((e) => [e.verb, e.old?.kind === "Pod" ? e.old.status.phase : undefined])).toEqual([
      ["create", undefined],
      ["update", "Pending"],
      ["delete", "Running"],
    ]);
    expect(events[2]?.object.kind === "Pod" && events[2].object.status.phase).toBe("Running");
  });

  it("records api trace events at the simulated time", () => {
    const scheduler = new Scheduler();
    const trace = new TraceRecorder("flow");
    const store = new ApiStore({ clock: scheduler, trace });
    scheduler.at(s(2), () => store.create(pod("a"), "created"));
    scheduler.runUntil(s(3));
    expect(trace.events).toEqual([
      { type: "api", t: s(2), verb: "create", kind: "Pod", name: "default/a", note: "created" },
    ]);
  });
});
