/**
 * Measures one size of the iptables benchmark in its own process, so that
 * each size's memory figures are its own: `node --expose-gc … iptables-child.ts
 * <services> '<MeasureOptions JSON>'` prints one JSON line.
 */
import { type MeasureOptions, measureSize } from "./iptables-measure.ts";

const [services, options] = process.argv.slice(2);
const result = measureSize(Number(services), JSON.parse(options ?? "{}") as MeasureOptions);
process.stdout.write(`${JSON.stringify(result)}\n`);
