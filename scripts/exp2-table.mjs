// Prints the 128 (tail, scale) pairs of the f64 exp table used by assembly/vexp.ts, the data
// AssemblyScript's Math.exp uses (exp_lut, EXP_TABLE_BITS = 7), found exactly with BigInt: for
// i in 0..127, scale = the nearest f64 to 2^(i/128) and tail = the nearest f64 to
// (2^(i/128) - scale) / scale; stored as bits(tail), bits(scale) - (i << 45).
// Usage: node scripts/exp2-table.mjs
const P = 200n; // fraction bits of the fixed-point 2^(i/128)
const view = new DataView(new ArrayBuffer(8));
const bitsOf = (x) => {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
};
/** floor(2^(i/128) * 2^P) by bisection on v^128 <= 2^(i + 128 P). */
const root = (i) => {
  const target = 1n << (BigInt(i) + 128n * P);
  let lo = 1n << P;
  let hi = 2n << P;
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (mid ** 128n <= target) lo = mid;
    else hi = mid;
  }
  return lo; // v in [lo, lo + 1) * 2^-P
};
/** The nearest f64 to the positive or negative fixed-point value num * 2^-sh (num a BigInt, not a tie). */
const nearest = (num, sh) => {
  if (num === 0n) return 0;
  const neg = num < 0n;
  const a = neg ? -num : num;
  let e = a.toString(2).length - 1 - Number(sh); // a * 2^-sh in [2^e, 2^(e+1))
  const drop = BigInt(a.toString(2).length - 53);
  let m = drop > 0n ? (a + (1n << (drop - 1n))) >> drop : a << -drop;
  if (m === 1n << 53n) {
    m >>= 1n;
    e += 1;
  }
  const f = Number(m) * 2 ** (e - 52);
  return neg ? -f : f;
};
const out = [];
for (let i = 0; i < 128; i++) {
  const v = root(i); // 2^(i/128) ~ v * 2^-P (the error, below 2^-P, cannot move a rounding here)
  const scale = nearest(v, P);
  const sFix = BigInt(scale * 2 ** 52) << (P - 52n); // scale * 2^P exactly
  // (v - scale) / scale in fixed point with P fraction bits
  const tailFix = ((v - sFix) << P) / sFix;
  const tail = nearest(tailFix, P);
  out.push(bitsOf(tail), bitsOf(scale) - (BigInt(i) << 45n));
}
const hex = (b) => `0x${b.toString(16).toUpperCase().padStart(16, '0')}`;
for (let i = 0; i < out.length; i += 4)
  console.log(
    `  ${out
      .slice(i, i + 4)
      .map(hex)
      .join(', ')},`,
  );
