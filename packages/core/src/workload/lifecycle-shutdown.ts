import type { RequestServer, SigtermBehaviour } from "./server.ts";

/**
 * SIGTERM for a {@link RequestServer}. `drain`: stop accepting (the listener
 * closes, so new SYNs are answered with RST by the kernel; a UDP server
 * closes its socket), run the drain hooks (HTTP/2 GOAWAY), close idle
 * connections at once, answer what is in flight with `Connection: close` and
 * close each connection after its last answer; the process exits once no
 * connection is left. `exit`: the process dies now, as with SIGKILL.
 * `ignore`: nothing happens until SIGKILL.
 */
// why: net/http Server.Shutdown — "first closing all open listeners, then closing all idle
// connections, and then waiting indefinitely for connections to return to idle and then
// shut down"; while shutting down, doKeepAlives() is false so each response is sent with
// `Connection: close` and its connection closed after it (closeAfterReply).
export function beginShutdown(server: RequestServer, behaviour: SigtermBehaviour, exited: () => void): void {
  if (server.phase !== "running") return;
  switch (behaviour) {
    case "ignore":
      return;
    case "exit":
      killProcess(server);
      exited();
      return;
    case "drain":
      server.phase = "draining";
      server.exited = exited;
      server.listener?.close();
      server.udp?.close();
      for (const hook of server.drainHooks) hook();
      for (const conn of [...server.conns]) if (conn.pending === 0) server.closeConn(conn);
      maybeExited(server);
  }
}

/** A draining server whose last connection is closed exits (once). */
export function maybeExited(server: RequestServer): void {
  if (server.phase !== "draining" || server.conns.size > 0) return;
  const exited = server.exited;
  server.exited = undefined;
  exited?.();
}

/**
 * The process dies (SIGKILL, or SIGTERM without a handler): the kernel closes
 * every socket it held. A connection with a request still waiting for a
 * worker — bytes the application never read — is reset; any other gets a FIN
 * after whatever it had queued, and lives on as an orphan in the kernel.
 * Requests in service are never answered.
 */
// why: net/ipv4/tcp.c __tcp_close — "if we are not reading all the data … send a
// RST" (data_was_unread → tcp_send_active_reset, RFC 2525 2.17); otherwise
// tcp_close_state sends FIN. Process exit closes every descriptor (do_exit → exit_files).
export function killProcess(server: RequestServer): void {
  if (server.phase === "dead") return;
  server.phase = "dead";
  server.exited = undefined;
  server.listener?.close();
  server.udp?.close();
  for (const conn of [...server.conns]) {
    server.conns.delete(conn);
    if (conn.queued > 0) conn.sock.abort();
    else conn.sock.close();
  }
}

/**
 * The Pod's namespace is gone with the process (a crash without any signal):
 * sockets vanish without a packet and their timers stop; peers find out by
 * timing out, or from a RST if the address is reused by another Pod.
 */
// why: when a namespace is dismantled its devices go first (the veth is deleted), so
// nothing its sockets would still send can leave; the simulator drops them outright.
export function vanish(server: RequestServer): void {
  server.phase = "dead";
  server.exited = undefined;
  server.listener?.close();
  server.udp?.close();
  for (const sock of [...server.sockets]) {
    sock.handlers = {};
    sock.finish(undefined);
  }
  server.sockets.clear();
  server.conns.clear();
}
