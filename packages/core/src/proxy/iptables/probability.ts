/**
 * Formats `1/n` as Go's `fmt.Sprintf("%0.10f", 1.0/float64(n))` does
 * (proxier.go computeProbability): the exact binary value of the double,
 * rounded to 10 decimals, ties to even. (`Number.prototype.toFixed` breaks
 * exact ties upwards instead, which differs for n = 2048.)
 */
export function probability(n: number): string {
  const known = formatted[n];
  if (known !== undefined) return known;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`probability needs a positive integer, got ${n}`);
  const text = formatFixed10(1 / n);
  if (n < MEMO_SIZE) formatted[n] = text;
  return text;
}

/** `probability(n)` for the small n every sync asks for again (endpoints per service). */
const MEMO_SIZE = 4096;
const formatted: (string | undefined)[] = [];

/** Formats a value in [0, 1] with 10 decimals, exactly as Go's strconv does. */
export function formatFixed10(x: number): string {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`expected a value in [0, 1], got ${x}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // x = mantissa * 2^power exactly.
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const power = (exponent === 0 ? 1 : exponent) - 1075;
  const scaled = mantissa * 10n ** 10n;
  let q: bigint;
  if (power >= 0) q = scaled << BigInt(power);
  else {
    const div = 1n << BigInt(-power);
    q = scaled / div;
    const twice = (scaled % div) * 2n;
    // why: Go's strconv decimal rounding (shouldRoundUp) rounds exact halves to even.
    if (twice > div || (twice === div && q % 2n === 1n)) q += 1n;
  }
  const digits = q.toString().padStart(11, "0");
  return `${digits.slice(0, -10)}.${digits.slice(-10)}`;
}
