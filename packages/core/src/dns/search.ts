/**
 * How one query name fared, as glibc's res_query reports it through h_errno:
 * `answer` (a response with answer records: the search stops), `nxdomain`
 * (HOST_NOT_FOUND), `nodata` (NO_DATA), `servfail` (TRY_AGAIN with a
 * SERVFAIL response), `timeout` (TRY_AGAIN, no answer), `refused`
 * (ECONNREFUSED: ICMP port unreachable on every try).
 */
export type NameOutcome = "answer" | "nxdomain" | "nodata" | "servfail" | "timeout" | "refused";

/** Why a search failed, as glibc leaves h_errno (refused keeps its errno's name). */
export type SearchError = Exclude<NameOutcome, "answer">;

/**
 * The order in which the stub resolver tries names for one lookup, as a
 * state machine: `next()` gives the name to query (absolute, no trailing
 * dot), `report()` says how it went; `next()` returns undefined when the
 * search is over, and then `succeeded` / `error` tell the result.
 *
 * - A name ending in "." is tried as is, and only as is.
 * - A name with at least `ndots` dots is tried as is first.
 * - Then each search domain is appended in turn; NXDOMAIN, NODATA and
 *   SERVFAIL go on to the next domain, a timeout stops the search list,
 *   ECONNREFUSED ends the lookup at once (with that error).
 * - Finally the name as is, unless already tried (or the root is on the list).
 * - The error is the first as-is try's, else NODATA if any domain said so,
 *   else SERVFAIL's TRY_AGAIN, else the last one's.
 */
// why: glibc resolv/res_query.c __res_context_search (RES_DEFNAMES and RES_DNSRCH set,
// as RES_DEFAULT has them; RES_NOTLDQUERY unset).
export class SearchWalk {
  /** The names tried, in order. */
  readonly tried: string[] = [];
  private readonly bare: string;
  private readonly trailingDot: boolean;
  private readonly dots: number;
  private phase: "as-is-first" | "search" | "as-is-last" | "done";
  private index = 0;
  private triedAsIs = false;
  private rootOnList = false;
  private gotNodata = false;
  private gotServfail = false;
  private savedError: SearchError | undefined;
  private lastError: SearchError = "nxdomain";
  private refused = false;
  private ok = false;

  constructor(
    name: string,
    private readonly search: readonly string[],
    ndots: number,
  ) {
    this.trailingDot = name.endsWith(".");
    this.bare = this.trailingDot ? name.slice(0, -1) : name;
    this.dots = [...name].filter((c) => c === ".").length;
    this.phase = this.dots >= ndots || this.trailingDot ? "as-is-first" : "search";
  }

  /** True once a name got an answer. */
  get succeeded(): boolean {
    return this.ok;
  }

  /** The lookup's error once it is over without an answer. */
  get error(): SearchError | undefined {
    if (this.ok || this.phase !== "done") return undefined;
    if (this.refused) return "refused";
    if (this.savedError !== undefined) return this.savedError;
    if (this.gotNodata) return "nodata";
    if (this.gotServfail) return "servfail";
    return this.lastError;
  }

  /** The next name to query, or undefined when the search is over. */
  next(): string | undefined {
    if (this.phase === "as-is-first" || this.phase === "as-is-last") return this.take(this.bare);
    if (this.phase === "search") {
      const domain = this.search[this.index];
      if (domain !== undefined) {
        const d = domain.startsWith(".") ? domain.slice(1) : domain;
        if (d === "") this.rootOnList = true;
        return this.take(d === "" ? this.bare : `${this.bare}.${d}`);
      }
      this.toLast();
      return this.next();
    }
    return undefined;
  }

  /** How the name last returned by `next()` fared. */
  report(outcome: NameOutcome): void {
    if (outcome === "answer") {
      this.ok = true;
      this.phase = "done";
      return;
    }
    this.lastError = outcome;
    if (this.phase === "as-is-first") {
      this.triedAsIs = true;
      this.savedError = outcome;
      this.phase = this.trailingDot ? "done" : "search";
    } else if (this.phase === "search") {
      this.index++;
      if (outcome === "refused") {
        // why: `if (errno == ECONNREFUSED) { RES_SET_H_ERRNO(statp, TRY_AGAIN); return (-1); }`
        this.refused = true;
        this.phase = "done";
      } else if (outcome === "nodata") this.gotNodata = true;
      else if (outcome === "servfail") this.gotServfail = true;
      else if (outcome === "timeout") this.toLast();
    } else {
      this.phase = "done";
    }
  }

  private take(name: string): string {
    this.tried.push(name);
    return name;
  }

  // why: "If the query has not already been tried as is then try it unless
  // RES_NOTLDQUERY is set and there were no dots" — NOTLDQUERY is off by default.
  private toLast(): void {
    this.phase = this.triedAsIs || this.rootOnList ? "done" : "as-is-last";
  }
}
