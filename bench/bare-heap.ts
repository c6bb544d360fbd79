/**
 * The baseline the engine is measured against: a minimal binary min-heap of
 * float64 keys in a preallocated typed array, with no payload, no tie-break
 * and no handles. It is the floor of what any priority-queue scheduler can
 * cost per event in JavaScript on this machine.
 */
export class BareHeap {
  private keys: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(1, capacity));
  }

  /** Keys held. */
  get size(): number {
    return this.n;
  }

  /** Adds a key. */
  push(key: number): void {
    if (this.n === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const keys = this.keys;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p] as number;
      if (pk <= key) break;
      keys[i] = pk;
      i = p;
    }
    keys[i] = key;
  }

  /** Removes and returns the smallest key; the heap must not be empty. */
  pop(): number {
    const keys = this.keys;
    const top = keys[0] as number;
    const n = --this.n;
    if (n === 0) return top;
    const last = keys[n] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ck = keys[c] as number;
      const r = c + 1;
      if (r < n) {
        const rk = keys[r] as number;
        if (rk < ck) {
          c = r;
          ck = rk;
        }
      }
      if (last <= ck) break;
      keys[i] = ck;
      i = c;
    }
    keys[i] = last;
    return top;
  }
}
