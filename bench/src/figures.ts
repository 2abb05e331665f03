/** Arithmetic on the figures every benchmark prints: written once here, not per benchmark. */

/** `n` rounded to `d` decimals, for the printed JSON (default 3). */
export const round = (n: number, d = 3): number => Math.round(n * 10 ** d) / 10 ** d;

/** The arithmetic mean of the runs of one figure. */
export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
