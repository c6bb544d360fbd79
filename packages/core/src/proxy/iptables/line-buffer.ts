/** One argument of a written line: a word, or a list of words (kube-proxy `LineBuffer.Write`). */
export type LineArg = string | readonly string[];

/**
 * Lines of `iptables-restore` input, each the space-joined words given to
 * {@link write} (pkg/proxy/util LineBuffer). A discarding buffer counts lines
 * without keeping them: kube-proxy writes the chains of unchanged services
 * into one during a partial sync, to keep its rule counts right.
 */
export class LineBuffer {
  private readonly kept: string[] = [];
  private count = 0;

  constructor(private readonly discard = false) {}

  /** Writes one line made of the words of `args`, joined by single spaces. */
  write(...args: LineArg[]): void {
    this.count++;
    if (this.discard) return;
    const words: string[] = [];
    for (const a of args) {
      if (typeof a === "string") words.push(a);
      else words.push(...a);
    }
    this.kept.push(words.join(" "));
  }

  /** The number of lines written (kept or not). */
  get lines(): number {
    return this.count;
  }

  /** The kept lines. */
  get text(): readonly string[] {
    return this.kept;
  }
}

/** A chain declaration line of `iptables-restore` input: creates, or flushes, the chain (utiliptables.MakeChainLine). */
export const chainLine = (chain: string): string => `:${chain} - [0:0]`;
