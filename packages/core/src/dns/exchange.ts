import type { EventHandle, Nanos, RandomStream, Scheduler } from "../engine/index.ts";
import { headerBytes, type IPv4, isIcmpError, type NetNamespace, type Packet } from "../net/index.ts";
import { type DnsQuery, type DnsRecord, type DnsResponse, negativeTtl, type QType, queryBytes } from "./messages.ts";
import type { NameOutcome } from "./search.ts";

/** Which questions a lookup asks: A only (AF_INET), or A and AAAA in parallel (AF_UNSPEC, getaddrinfo's default). */
export type AddressFamily = "ipv4" | "unspec";

/** Where and how one name is sent. */
export interface ExchangeEnv {
  netns: NetNamespace;
  scheduler: Scheduler;
  /** Message ids (glibc's res_randomid). */
  ids: RandomStream;
  server: IPv4;
  port: number;
  /** Each try's wait, ns (resolv.conf timeout). */
  timeout: Nanos;
  /** Tries (resolv.conf attempts). */
  attempts: number;
  family: AddressFamily;
  /** Names the scheduler events. */
  component: string;
}

/** How one name went, from the first datagram to the verdict. */
export interface ExchangeResult {
  readonly qname: string;
  readonly outcome: NameOutcome;
  /** Datagrams sent (every try, every question). */
  readonly queries: number;
  /** Tries made. */
  readonly tries: number;
  /** The local ports used, one per socket opened. */
  readonly ports: readonly number[];
  /** The answer records (CNAMEs then A records) when the outcome is `answer`. */
  readonly answers: readonly DnsRecord[];
  /** Seconds a negative outcome may be cached (RFC 2308), when the response said. */
  readonly negativeTtl?: number;
  /** The response had TC set (TCP fallback is not modelled: its records are used as they are). */
  readonly truncated: boolean;
  /** The server Pod that answered. */
  readonly server?: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Sends one name to the nameserver the way glibc's res_send does over UDP,
 * then judges the answers the way res_query does, and calls `done` once.
 *
 * - One connected UDP socket per exchange (a fresh ephemeral port), closed
 *   at the end: RES_STAYOPEN is off, so every name of a search gets a new port.
 * - `family: "unspec"` sends the A and AAAA questions back to back on that
 *   socket (sendmmsg) and waits for both.
 * - Each try waits `timeout`; a timeout retries the same queries (same ids)
 *   on the same socket, so a late answer to the first try still counts.
 * - A SERVFAIL (to every question) or an ICMP error closes the socket and
 *   retries at once on a new one.
 * - After `attempts` tries: ECONNREFUSED if no try ever got anywhere (only
 *   ICMP errors), otherwise a timeout (or SERVFAIL if that was the last word).
 *
 * Simplified: one nameserver; a try that times out with one of two answers in
 * hand is a plain timeout (glibc would first switch to single-request mode);
 * a truncated answer is used as is (glibc would retry over TCP).
 */
// why: glibc resolv/res_send.c __res_context_send / send_dg: the per-try wait is
// `retrans << ns` (ns 0: the whole timeout); a timeout returns 0 leaving the socket
// open; SERVFAIL/NOTIMP/REFUSED and recvfrom errors go to __res_iclose then the next
// try; after the loop errno is ECONNREFUSED when !gotsomewhere, else ETIMEDOUT.
export function exchange(env: ExchangeEnv, qname: string, done: (result: ExchangeResult) => void): void {
  new Exchange(env, qname, done).begin();
}

class Exchange {
  private readonly queries: DnsQuery[];
  private readonly start: number;
  private readonly ports: number[] = [];
  private port: number | undefined;
  private tryIndex = 0;
  private sent = 0;
  private timer: EventHandle | undefined;
  private received = new Map<QType, DnsResponse>();
  private gotSomewhere = false;
  private sawServfail = false;
  private finished = false;

  constructor(
    private readonly env: ExchangeEnv,
    private readonly qname: string,
    private readonly done: (result: ExchangeResult) => void,
  ) {
    const types: QType[] = env.family === "unspec" ? ["A", "AAAA"] : ["A"];
    this.queries = types.map((qtype) => ({ kind: "dns-query", id: env.ids.int(65536), qname, qtype }));
    this.start = env.scheduler.now;
  }

  begin(): void {
    this.tryOnce();
  }

  private tryOnce(): void {
    const { env } = this;
    if (this.tryIndex >= env.attempts) {
      const outcome = !this.gotSomewhere ? "refused" : this.sawServfail ? "servfail" : "timeout";
      this.finish(outcome, undefined);
      return;
    }
    this.tryIndex++;
    this.received = new Map();
    if (this.port === undefined) {
      this.port = env.netns.connect("UDP", env.server, env.port, (pkt) => this.onPacket(pkt));
      // why: a failed connect in send_dg's reopen closes and moves on without gotsomewhere.
      if (this.port === undefined) {
        this.tryOnce();
        return;
      }
      this.ports.push(this.port);
    }
    for (const query of this.queries) this.send(query, this.port);
    this.timer = env.scheduler.after(env.timeout, () => this.onTimeout(), env.component);
  }

  private send(query: DnsQuery, port: number): void {
    const { netns, server } = this.env;
    this.sent++;
    const length = headerBytes("UDP") + queryBytes(query);
    netns.send(
      netns.packet({ proto: "UDP", dst: server, srcPort: port, dstPort: this.env.port, length, payload: query }),
    );
  }

  private onTimeout(): void {
    this.timer = undefined;
    this.gotSomewhere = true;
    this.tryOnce();
  }

  private onPacket(pkt: Packet): void {
    if (this.finished) return;
    if (isIcmpError(pkt)) {
      // why: recvfrom on a connected UDP socket reports the ICMP error (ECONNREFUSED): err_out.
      this.closeSocket();
      this.env.scheduler.cancel(this.timer);
      this.tryOnce();
      return;
    }
    const response = pkt.payload as DnsResponse | undefined;
    if (response?.kind !== "dns-response") return;
    // why: send_dg ignores an answer whose id or question matches no outstanding query.
    const query = this.queries.find((q) => q.id === response.id && q.qtype === response.qtype);
    if (!query || response.qname !== query.qname || this.received.has(query.qtype)) return;
    this.gotSomewhere = true;
    this.received.set(query.qtype, response);
    if (this.received.size < this.queries.length) return;
    const valid = [...this.received.values()].filter((r) => r.rcode !== "SERVFAIL");
    if (valid.length > 0) {
      this.judge(valid);
      return;
    }
    this.sawServfail = true;
    this.env.scheduler.cancel(this.timer);
    if (this.queries.length === 1) this.closeSocket();
    this.tryOnce();
  }

  // why: res_query.c __res_context_query: success when either answer is NOERROR with
  // answers; otherwise h_errno follows the first answer's rcode, or the second's when
  // the first is NOERROR: NXDOMAIN → HOST_NOT_FOUND, SERVFAIL → TRY_AGAIN, NOERROR → NO_DATA.
  private judge(valid: DnsResponse[]): void {
    const a = this.received.get("A");
    const answered = valid.find((r) => r.rcode === "NOERROR" && r.answers.length > 0);
    if (answered) {
      // The A response carries the addresses; with only AAAA answered (a bare CNAME) there are none.
      this.finish("answer", a && a.rcode === "NOERROR" ? a : answered);
      return;
    }
    const [hp, hp2] = [valid[0] as DnsResponse, valid[1] ?? (valid[0] as DnsResponse)];
    const rcode = hp.rcode === "NOERROR" ? hp2.rcode : hp.rcode;
    this.finish(rcode === "NXDOMAIN" ? "nxdomain" : rcode === "SERVFAIL" ? "servfail" : "nodata", hp);
  }

  private finish(outcome: NameOutcome, response: DnsResponse | undefined): void {
    this.finished = true;
    this.env.scheduler.cancel(this.timer);
    this.closeSocket();
    const answers = outcome === "answer" && response?.rcode === "NOERROR" ? response.answers : [];
    const neg = response && outcome !== "answer" ? negativeTtl(response) : undefined;
    this.done({
      qname: this.qname,
      outcome,
      queries: this.sent,
      tries: this.tryIndex,
      ports: this.ports,
      answers,
      ...(neg !== undefined ? { negativeTtl: neg } : {}),
      truncated: response?.truncated ?? false,
      ...(response ? { server: response.server } : {}),
      start: this.start,
      end: this.env.scheduler.now,
    });
  }

  private closeSocket(): void {
    if (this.port === undefined) return;
    this.env.netns.disconnect("UDP", this.port, this.env.server, this.env.port);
    this.port = undefined;
  }
}
