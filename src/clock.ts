// The one source of time. Tests move it with setClockOffset() instead of sleeping.
let offsetSeconds = 0;

/** Current time in whole seconds since the epoch. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000) + offsetSeconds;
}

/** Current time in milliseconds: orders events within one second (a revocation and a grant created after it). */
export function nowMillis(): number {
  return Date.now() + offsetSeconds * 1000;
}

/** Test hook: shift the clock by a number of seconds (0 resets). */
export function setClockOffset(seconds: number): void {
  offsetSeconds = seconds;
}
