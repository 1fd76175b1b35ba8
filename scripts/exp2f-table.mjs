// Prints the 32 entries of the f32 exp table used by assembly/vexp.ts: bits(nearest f64 to 2^(i/32))
// - (i << 47), found exactly with BigInt (the data AssemblyScript's Mathf.exp uses, so the SIMD
// lanes match it bit for bit). Usage: node scripts/exp2f-table.mjs
const view = new DataView(new ArrayBuffer(8));
const bitsOf = (x) => {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
};
const mantissa = (b) => (b & ((1n << 52n) - 1n)) | (1n << 52n); // values in [1, 2): M * 2^-52
const out = [];
for (let i = 0; i < 32; i++) {
  let b = bitsOf(2 ** (i / 32));
  // 2^(i/32) must lie between the midpoints (2M -+ 1) * 2^-53: compare their 32nd powers with 2^i
  const target = 1n << BigInt(i + 53 * 32);
  for (let step = 0; step < 5; step++) {
    const m = mantissa(b);
    if ((2n * m + 1n) ** 32n < target) b += 1n;
    else if ((2n * m - 1n) ** 32n > target) b -= 1n;
    else break;
  }
  out.push(b - (BigInt(i) << 47n));
}
console.log(out.map((b) => `0x${b.toString(16).toUpperCase()}`).join(', '));
