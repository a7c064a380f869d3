/**
 * One clock for the main thread and every worker: milliseconds (fractional) since a base taken from
 * `process.hrtime`, which is monotonic and shared by all threads of the process, so a send time
 * taken in one worker and an arrival time taken in another can be subtracted.
 */
let base = process.hrtime.bigint();

/** The base as a string, to hand to workers. */
export function clockBase(): string {
  return base.toString();
}

/** Adopts the main thread's base (in a worker). */
export function setClockBase(value: string): void {
  base = BigInt(value);
}

/** Milliseconds since the base, with sub-millisecond resolution. */
export function now(): number {
  return Number(process.hrtime.bigint() - base) / 1e6;
}
