/**
 * Drives one probe agent (`agent.mjs`) inside a namespace over JSON lines.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const AGENT = fileURLToPath(new URL("./agent.mjs", import.meta.url));

/** One probe as the agent sends it. */
export interface WireProbe {
  readonly id: number;
  readonly proto: "tcp" | "udp";
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
}

/** What the sender saw. */
export interface SenderResult {
  readonly id: number;
  readonly outcome: "answered" | "refused" | "timeout" | "error";
  readonly code?: string;
}

interface Reply {
  seq: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** A running agent. */
export class Agent {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private seq = 0;
  private buffer = "";
  private stderr = "";
  private readonly ready: Promise<void>;

  constructor(readonly ns: string) {
    this.child = spawn("ip", ["netns", "exec", ns, process.execPath, AGENT], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child.stdout.on("data", (d: Buffer) => this.onData(d.toString()));
    this.ready = new Promise((resolve, reject) => {
      this.waiting.set(0, () => resolve());
      this.child.once("exit", (code) => {
        const err = new Error(`probe agent in ${ns} exited (${code}): ${this.stderr}`);
        for (const w of this.waiting.values()) w({ seq: -1, ok: false, error: err.message });
        this.waiting.clear();
        reject(err);
      });
    });
    this.ready.catch(() => {});
  }

  private onData(text: string): void {
    this.buffer += text;
    let nl = this.buffer.indexOf("\n");
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const reply = JSON.parse(line) as Reply;
      this.waiting.get(reply.seq)?.(reply);
      this.waiting.delete(reply.seq);
      nl = this.buffer.indexOf("\n");
    }
  }

  private async call(msg: Record<string, unknown>): Promise<unknown> {
    await this.ready;
    const seq = ++this.seq;
    const reply = await new Promise<Reply>((resolve) => {
      this.waiting.set(seq, resolve);
      this.child.stdin.write(`${JSON.stringify({ ...msg, seq })}\n`);
    });
    if (!reply.ok) throw new Error(`probe agent in ${this.ns}: ${reply.error}`);
    return reply.result;
  }

  /** Replaces the agent's listeners: TCP on 0.0.0.0 accepts, UDP on each of `addresses` echoes. */
  async listen(tcp: readonly number[], udp: readonly number[], addresses: readonly string[]): Promise<void> {
    await this.call({ op: "listen", tcp, udp, addresses });
  }

  /** Sends every probe at once and waits up to `timeoutMs` for each answer. */
  async probe(probes: readonly WireProbe[], timeoutMs: number): Promise<SenderResult[]> {
    if (probes.length === 0) return [];
    return (await this.call({ op: "probe", probes, timeoutMs })) as SenderResult[];
  }

  /** Ends the agent. */
  close(): void {
    this.child.stdin.end();
    setTimeout(() => this.child.kill(), 2000).unref();
  }
}
