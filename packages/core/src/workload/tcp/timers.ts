import type { Nanos } from "../../engine/index.ts";
import type { TcpSocket } from "./socket.ts";

/** Schedules a delayed ACK unless one is pending (tcp_send_delayed_ack, ato = TCP_ATO_MIN). */
export function scheduleDelayedAck(sock: TcpSocket): void {
  if (sock.delackTimer !== undefined && !sock.delackTimer.done) return;
  sock.delackTimer = sock.env.sched.after(
    sock.env.config.delayedAck,
    () => {
      sock.delackTimer = undefined;
      if (sock.state === "CLOSED" || sock.state === "TIME_WAIT") return;
      // why: tcp_delack_timer_handler leaves pingpong mode when the delayed ACK had to fire.
      sock.pingpong = false;
      sock.sendAck();
    },
    "tcp/delack",
  );
}

/** Enters TIME_WAIT for TCP_TIMEWAIT_LEN, holding the 4-tuple (tcp_time_wait); the application is done. */
export function enterTimeWait(sock: TcpSocket): void {
  sock.state = "TIME_WAIT";
  sock.stopRtx();
  sock.env.sched.cancel(sock.delackTimer);
  restartLinger(sock, sock.env.config.timeWait);
  sock.handlers.closed?.(sock);
}

/** (Re)starts the TIME_WAIT / orphaned FIN_WAIT_2 timer; on expiry the socket goes away. */
export function restartLinger(sock: TcpSocket, after: Nanos): void {
  sock.env.sched.cancel(sock.lingerTimer);
  sock.lingerTimer = sock.env.sched.after(after, () => sock.finish(undefined), "tcp/timewait");
}
