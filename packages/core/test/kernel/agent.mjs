// Probe agent for the kernel differential test. It runs inside one network
// namespace (`ip netns exec NS node agent.mjs`) and reads JSON lines on stdin:
//   {"seq":1,"op":"listen","tcp":[ports],"udp":[ports],"addresses":[ips]}  (re)open listeners
//   {"seq":2,"op":"probe","timeoutMs":200,"probes":[{id,proto,src,sport,dst,dport}]}
// and answers one JSON line per request: {"seq":n,"ok":true,"result":...}.
// A probe is one TCP SYN (connect) or one UDP datagram (connected socket),
// sent from the given source address and port; its outcome is what the
// sender saw: "answered" (SYN-ACK, or a UDP reply), "refused" (ECONNREFUSED:
// an ICMP port unreachable or a RST), "timeout" (silence) or "error".
import dgram from "node:dgram";
import net from "node:net";
import readline from "node:readline";

let servers = [];

function closeAll() {
  for (const s of servers) s.close();
  servers = [];
}

/** Listeners accept TCP (the sender resets) and echo UDP, so local delivery is visible to the sender. */
async function listen({ tcp = [], udp = [], addresses = ["0.0.0.0"] }) {
  closeAll();
  const started = [];
  for (const port of tcp) {
    const srv = net.createServer((c) => {
      c.on("error", () => {});
      c.on("end", () => c.destroy());
    });
    servers.push(srv);
    started.push(new Promise((res, rej) => srv.once("error", rej).listen(port, "0.0.0.0", res)));
  }
  // One UDP socket per address: a reply must leave from the address the datagram was sent to,
  // or the sender's connected socket discards it.
  for (const port of udp) {
    for (const address of addresses) {
      const s = dgram.createSocket("udp4");
      s.on("message", (m, r) => s.send(m, r.port, r.address));
      s.on("error", () => {});
      servers.push(s);
      started.push(new Promise((res, rej) => s.once("error", rej).bind(port, address, res)));
    }
  }
  await Promise.all(started);
  return { tcp: tcp.length, udp: udp.length };
}

function tcpProbe(p, timeoutMs) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: p.dst, port: p.dport, localAddress: p.src, localPort: p.sport });
    const done = (outcome, code) => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on("error", () => {});
      // A socket still in SYN_SENT closes without sending anything; an open one is reset (no TIME_WAIT).
      sock.resetAndDestroy();
      resolve({ id: p.id, outcome, code });
    };
    const timer = setTimeout(() => done("timeout"), timeoutMs);
    sock.once("connect", () => done("answered"));
    // A reset after the handshake comes from a listener: the SYN was delivered.
    const kind = { ECONNREFUSED: "refused", ECONNRESET: "answered" };
    sock.once("error", (e) => done(kind[e.code] ?? "error", e.code));
  });
}

function udpProbe(p, timeoutMs) {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    let sendError;
    const done = (outcome, code) => {
      clearTimeout(timer);
      s.removeAllListeners();
      s.on("error", () => {});
      try {
        s.close();
      } catch {}
      resolve({ id: p.id, outcome, code });
    };
    // A locally generated datagram dropped by netfilter fails its send with EPERM; keep
    // waiting, as a REJECT also answers with ICMP port unreachable (ECONNREFUSED).
    const timer = setTimeout(() => done(sendError ? "error" : "timeout", sendError), timeoutMs);
    s.on("error", (e) => done(e.code === "ECONNREFUSED" ? "refused" : "error", e.code));
    s.on("message", () => done("answered"));
    s.bind(p.sport, p.src, () => {
      s.connect(p.dport, p.dst, (err) => {
        if (err) return done("error", err.code);
        s.send(Buffer.from("svcsim-probe"), (e) => {
          if (e) sendError = e.code;
        });
      });
    });
  });
}

function probe({ probes, timeoutMs }) {
  return Promise.all(probes.map((p) => (p.proto === "udp" ? udpProbe(p, timeoutMs) : tcpProbe(p, timeoutMs))));
}

async function handle(line) {
  let seq;
  try {
    const msg = JSON.parse(line);
    seq = msg.seq;
    const result = msg.op === "listen" ? await listen(msg) : await probe(msg);
    process.stdout.write(`${JSON.stringify({ seq, ok: true, result })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ seq, ok: false, error: String(e?.stack ?? e) })}\n`);
  }
}

const rl = readline.createInterface({ input: process.stdin });
let pending = Promise.resolve();
rl.on("line", (line) => {
  pending = pending.then(() => handle(line));
});
rl.on("close", async () => {
  await pending;
  closeAll();
  process.exit(0);
});
process.stdout.write(`${JSON.stringify({ seq: 0, ok: true, result: "ready" })}\n`);
