// Prints the 32 entries of the f32 exp table used by assembly/vexp.ts: bits(nearest f64 to 2^(i/32)) - (i << 47),
// computed exactly with BigInt (the same data AssemblyScript's Mathf.exp uses, so lanes match it bit for bit).
// nearest f64 to 2^(i/32), exactly, via BigInt: compare midpoints' 32nd power with 2^i
const buf = new DataView(new ArrayBuffer(8));
const bits = (x) => { buf.setFloat64(0, x); return buf.getBigUint64(0); };
const fromBits = (b) => { buf.setBigUint64(0, b); return buf.getFloat64(0); };
// value of f64 in [1,2): mantissa m (53 bits) * 2^-52
const out = [];
for (let i = 0; i < 32; i++) {
  let b = bits(Math.pow(2, i / 32));
  // candidates b-2..b+2 ; choose b such that midpoints bracket
  const mant = (bb) => (bb & ((1n << 52n) - 1n)) | (1n << 52n); // all in [1,2)
  const target = (1n << BigInt(i)); // compare (M/2^52)^32 with 2^i  <=> M^32 with 2^(i + 52*32)
  const T = target << (52n * 32n);
  // midpoint between bb and bb+1: (2M+1)/2^53 -> (2M+1)^32 vs 2^(i+53*32)
  const T2 = target << (53n * 32n);
  for (let it = 0; it < 5; it++) {
    const M = mant(b);
    const lo = (2n * M - 1n) ** 32n, hi = (2n * M + 1n) ** 32n;
    if (hi < T2) b += 1n; else if (lo > T2) b -= 1n; else break;
  }
  out.push(b - (BigInt(i) << 47n));
}
console.log(out.map((b) => '0x' + b.toString(16).toUpperCase()).join(', '));
