/**
 * Sequence-number arithmetic modulo 2^32 (RFC 793 3.3; the kernel's
 * before()/after() in include/net/tcp.h compare through a signed 32-bit
 * difference, so comparisons hold across the wrap).
 */

/** `a + n` modulo 2^32. */
export const seqAdd = (a: number, n: number): number => (a + n) >>> 0;

/** The signed distance `a − b`, for sequence numbers less than 2^31 apart. */
export const seqDiff = (a: number, b: number): number => (a - b) | 0;

/** `a` is before `b`. */
export const seqLt = (a: number, b: number): boolean => seqDiff(a, b) < 0;

/** `a` is before or equal to `b`. */
export const seqLe = (a: number, b: number): boolean => seqDiff(a, b) <= 0;

/** The larger of two sequence numbers. */
export const seqMax = (a: number, b: number): number => (seqLt(a, b) ? b : a);
