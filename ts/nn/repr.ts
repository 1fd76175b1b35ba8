// Python's spelling of values in module reprs (extra_repr): floats as repr(float), bools, tuples.

/** repr(float(x)): shortest round-trip digits, '.0' on integers, exponent below 1e-4 and from 1e16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = x < 0 ? -x : x;
  if (a >= 1e16 || a < 1e-4) {
    const [m, e] = x.toExponential().split('e');
    const sign = e[0] === '-' ? '-' : '+';
    const digits = e.slice(1);
    return `${m}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
  }
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** A Python tuple of ints: (2, 3), (4,). */
export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`;
}
