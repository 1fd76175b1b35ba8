// SIMD exp for f32 whose every lane gives exactly the bits of the scalar Mathf.exp the kernels use
// (AssemblyScript's expf at shrinkLevel 0: a 32-entry table and a cubic, evaluated in f64). The
// vector form runs the same operations in the same order on f64x2 lanes (no FMA: wasm SIMD has
// none), so the roundings are identical. Lanes outside the table's range (|x| >= 88 by exponent
// bits, infinities, NaN) are not handled here: callers test `expf4Fast` and use the scalar exp.
// The table (bits of the nearest f64 to 2^(i/32), minus i << 47) is printed by
// scripts/exp2f-table.mjs.

// @ts-ignore: decorator
@inline const EXPF_N: f64 = 32;

const EXPF_TAB: usize = memory.data<u64>([
  0x3FF0000000000000, 0x3FEFD9B0D3158574, 0x3FEFB5586CF9890F, 0x3FEF9301D0125B51,
  0x3FEF72B83C7D517B, 0x3FEF54873168B9AA, 0x3FEF387A6E756238, 0x3FEF1E9DF51FDEE1,
  0x3FEF06FE0A31B715, 0x3FEEF1A7373AA9CB, 0x3FEEDEA64C123422, 0x3FEECE086061892D,
  0x3FEEBFDAD5362A27, 0x3FEEB42B569D4F82, 0x3FEEAB07DD485429, 0x3FEEA47EB03A5585,
  0x3FEEA09E667F3BCD, 0x3FEE9F75E8EC5F74, 0x3FEEA11473EB0187, 0x3FEEA589994CCE13,
  0x3FEEACE5422AA0DB, 0x3FEEB737B0CDC5E5, 0x3FEEC49182A3F090, 0x3FEED503B23E255D,
  0x3FEEE89F995AD3AD, 0x3FEEFF76F2FB5E47, 0x3FEF199BDD85529C, 0x3FEF3720DCEF9069,
  0x3FEF5818DCFBA487, 0x3FEF7C97337B9B5F, 0x3FEFA4AFA2A490DA, 0x3FEFD0765B6E4540,
]);

/** True when every lane of the f32x4 `v` takes expf's table path (|x| below 2^(0x42B >> ...), i.e.
 *  the exponent-bits test `(bits >> 20 & 0x7FF) < 0x42B` of the scalar code fails for no lane). */
// @ts-ignore: decorator
@inline export function expf4Fast(v: v128): bool {
  let a = v128.and(v, i32x4.splat(0x7fffffff));
  return i32x4.all_true(i32x4.lt_s(a, i32x4.splat(0x42b00000)));
}

/** exp of two f64 lanes holding f32 values, rounded to f32 in the low two lanes of the result. */
// @ts-ignore: decorator
@inline function expf2(xd: v128): v128 {
  const shift = f64x2.splat(reinterpret<f64>(0x4338000000000000));
  let z = f64x2.mul(f64x2.splat(reinterpret<f64>(0x3ff71547652b82fe) * EXPF_N), xd);
  let kd = f64x2.add(z, shift);
  let r = f64x2.sub(z, f64x2.sub(kd, shift));
  let k0 = i64x2.extract_lane(kd, 0);
  let k1 = i64x2.extract_lane(kd, 1);
  let t = i64x2.replace_lane(
    i64x2.splat(load<u64>(EXPF_TAB + ((<usize>k0 & 31) << 3))),
    1,
    load<u64>(EXPF_TAB + ((<usize>k1 & 31) << 3)),
  );
  let s = i64x2.add(t, i64x2.shl(kd, 47));
  let c0 = f64x2.splat(reinterpret<f64>(0x3fac6af84b912394) / EXPF_N / EXPF_N / EXPF_N);
  let c1 = f64x2.splat(reinterpret<f64>(0x3fcebfce50fac4f3) / EXPF_N / EXPF_N);
  let c2 = f64x2.splat(reinterpret<f64>(0x3fe62e42ff0c52d6) / EXPF_N);
  let zz = f64x2.add(f64x2.mul(c0, r), c1);
  let y = f64x2.add(f64x2.mul(c2, r), f64x2.splat(1));
  y = f64x2.add(y, f64x2.mul(zz, f64x2.mul(r, r)));
  y = f64x2.mul(y, s);
  return f32x4.demote_f64x2_zero(y);
}

/** exp of the four f32 lanes of `v` (precondition: expf4Fast(v)). */
// @ts-ignore: decorator
@inline export function expf4(v: v128): v128 {
  let lo = expf2(f64x2.promote_low_f32x4(v));
  let hi = expf2(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

/** exp of each lane, the scalar Mathf.exp for groups with a lane outside the fast range. */
// @ts-ignore: decorator
@inline export function expf4Any(v: v128): v128 {
  if (expf4Fast(v)) return expf4(v);
  let r = f32x4.splat(Mathf.exp(f32x4.extract_lane(v, 0)));
  r = f32x4.replace_lane(r, 1, Mathf.exp(f32x4.extract_lane(v, 1)));
  r = f32x4.replace_lane(r, 2, Mathf.exp(f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(r, 3, Mathf.exp(f32x4.extract_lane(v, 3)));
}
