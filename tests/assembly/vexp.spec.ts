import { exp_f32, exp_f64, sigmoid_f32, sigmoid_f64, silu_f32, silu_f64, elu_f32, elu_f64, free } from "../../assembly/index";
import { expf4, expf4Any, expf4Fast, expd2, expd2Any, expd2Fast } from "../../assembly/vexp";
import { allocT, get, set, nextRand, reseed, same, isF32 } from "./helpers";

// The SIMD exps against the scalar exps they replace, bit for bit (NaN payloads included): every
// lane of expf4 / expd2 where the fast test admits the group, and expf4Any / expd2Any (the scalar
// fallback) everywhere. A lane that differs in one bit fails.

let bad32 = 0;
let fast32 = 0;

/** Checks one group of four f32 bit patterns. */
function check4(b0: u32, b1: u32, b2: u32, b3: u32): void {
  let v = i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(b0), 1, b1), 2, b2), 3, b3);
  let any = expf4Any(v);
  let fast = expf4Fast(v);
  let e = fast ? expf4(v) : any;
  if (fast) fast32++;
  for (let l = 0; l < 4; l++) {
    let x = reinterpret<f32>(l == 0 ? b0 : l == 1 ? b1 : l == 2 ? b2 : b3);
    let want = reinterpret<u32>(Mathf.exp(x));
    let lane = l == 0 ? i32x4.extract_lane(e, 0) : l == 1 ? i32x4.extract_lane(e, 1) : l == 2 ? i32x4.extract_lane(e, 2) : i32x4.extract_lane(e, 3);
    let laneAny = l == 0 ? i32x4.extract_lane(any, 0) : l == 1 ? i32x4.extract_lane(any, 1) : l == 2 ? i32x4.extract_lane(any, 2) : i32x4.extract_lane(any, 3);
    if (<u32>lane != want || <u32>laneAny != want) bad32++;
  }
}

/** All 2^32 patterns with a stride of 251 (17 million lanes, four strided patterns a group). */
function f32Strided(): i32 {
  bad32 = 0;
  fast32 = 0;
  const S: u64 = 251;
  for (let b: u64 = 0; b + 3 * S < 0x100000000; b += 4 * S) {
    check4(<u32>b, <u32>(b + S), <u32>(b + 2 * S), <u32>(b + 3 * S));
  }
  return bad32;
}

/** Every pattern in [lo, hi) (both signs), four consecutive patterns a group. */
function f32Dense(lo: u32, hi: u32): i32 {
  bad32 = 0;
  for (let b = lo; b < hi; b += 4) {
    check4(b, b + 1, b + 2, b + 3);
    check4(b | 0x80000000, (b + 1) | 0x80000000, (b + 2) | 0x80000000, (b + 3) | 0x80000000);
  }
  return bad32;
}

/** Specials mixed into groups with ordinary lanes (the group takes the fallback, each lane must too). */
function f32Edges(): i32 {
  bad32 = 0;
  let e: StaticArray<u32> = [
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000,
    0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0x42b00000, 0xc2b00000,
    0x42afffff, 0xc2afffff, 0x42b17218, 0x42b17217, 0xc2ce8ed0, 0xc2cff1b5, 0xc2aeac50, 0xc2aeac4f,
    0x3f800000, 0xbf800000, 0x33000000, 0xb3000000, 0x7f7fffff, 0xff7fffff, 0x3f317218, 0xbf317218,
  ];
  for (let i = 0; i < e.length; i++) for (let j = 0; j < e.length; j++) {
    check4(e[i], e[j], 0x3f000000, e[(i + j) % e.length]);
    check4(0x3f000000, e[i], e[j], 0xbf000000);
  }
  return bad32;
}

/** The exp_f32 kernel (four lanes a group, scalar tail) over a buffer with specials and a tail. */
function f32Kernel(): i32 {
  let n = 4099;
  let x = allocT<f32>(n), o = allocT<f32>(n);
  reseed(7);
  for (let i = 0; i < n; i++) set<f32>(x, i, <f32>nextRand(-100, 100));
  set<f32>(x, 5, NaN);
  set<f32>(x, 9, Infinity);
  set<f32>(x, 14, -Infinity);
  exp_f32(o, x, n);
  let bad = 0;
  for (let i = 0; i < n; i++) if (reinterpret<u32>(get<f32>(o, i)) != reinterpret<u32>(Mathf.exp(get<f32>(x, i)))) bad++;
  free(x);
  free(o);
  return bad;
}

let bad64 = 0;
let fast64 = 0;

function check2(b0: u64, b1: u64): void {
  let v = i64x2.replace_lane(i64x2.splat(b0), 1, b1);
  let any = expd2Any(v);
  let fast = expd2Fast(v);
  let e = fast ? expd2(v) : any;
  if (fast) fast64++;
  let w0 = reinterpret<u64>(Math.exp(reinterpret<f64>(b0)));
  let w1 = reinterpret<u64>(Math.exp(reinterpret<f64>(b1)));
  if (<u64>i64x2.extract_lane(e, 0) != w0 || <u64>i64x2.extract_lane(any, 0) != w0) bad64++;
  if (<u64>i64x2.extract_lane(e, 1) != w1 || <u64>i64x2.extract_lane(any, 1) != w1) bad64++;
}

let s64: u64 = 0x9e3779b97f4a7c15;
function rand64(): u64 {
  // xorshift64*: patterns for the random sample
  s64 ^= s64 >> 12;
  s64 ^= s64 << 25;
  s64 ^= s64 >> 27;
  return s64 * 0x2545f4914f6cdd1d;
}

/** A large random sample: uniform values over the fast range and beyond, random patterns with
 *  exponents from tiny to huge, and values at multiples of ln2/128 (where k's rounding turns). */
function f64Random(): i32 {
  bad64 = 0;
  fast64 = 0;
  reseed(11);
  for (let i = 0; i < 400000; i++) {
    check2(reinterpret<u64>(nextRand(-700, 700) + nextRand(0, 1) * 1e-9), reinterpret<u64>(nextRand(-2, 2) * nextRand(0, 1)));
    // random sign and mantissa, exponent 2^-60 .. 2^10
    let r = rand64();
    let e: u64 = 0x3c3 + (r >> 50) % 0x48;
    let a = (r & 0x800fffffffffffff) | (e << 52);
    let b = rand64();
    check2(a, b);
    // near k * ln2 / 128 (k up to 2^16 either way), a few ulps off
    let k = <f64>(<i32>(rand64() % 131072) - 65536);
    let c = reinterpret<u64>(k * 0.005415212348111709) + (rand64() % 9) - 4;
    check2(c, reinterpret<u64>(-reinterpret<f64>(c)));
  }
  return bad64;
}

/** Patterns around the fast test's bounds (2^-54 and 512, both signs), and the specials. */
function f64Edges(): i32 {
  bad64 = 0;
  let bounds: StaticArray<u64> = [0x3c90000000000000, 0x4080000000000000, 0x3ff0000000000000, 0x0010000000000000];
  for (let i = 0; i < bounds.length; i++) {
    for (let d: i64 = -4096; d <= 4096; d++) {
      let b = <u64>(<i64>bounds[i] + d);
      check2(b, b | 0x8000000000000000);
      check2(b, 0x3fe0000000000000);
    }
  }
  let e: StaticArray<u64> = [
    0, 0x8000000000000000, 1, 0x8000000000000001, 0x000fffffffffffff, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x7fefffffffffffff, 0xffefffffffffffff,
    0x40862e42fefa39ef, 0x40862e42fefa39f0, 0xc0874910d52d3051, 0xc0874910d52d3052, 0xc086232bdd7abcd2,
  ];
  for (let i = 0; i < e.length; i++) for (let j = 0; j < e.length; j++) check2(e[i], e[j]);
  return bad64;
}

function f64Kernel(): i32 {
  let n = 2051;
  let x = allocT<f64>(n), o = allocT<f64>(n);
  reseed(5);
  for (let i = 0; i < n; i++) set<f64>(x, i, nextRand(-800, 800));
  set<f64>(x, 3, NaN);
  set<f64>(x, 8, -Infinity);
  set<f64>(x, 10, 0);
  exp_f64(o, x, n);
  let bad = 0;
  for (let i = 0; i < n; i++) if (reinterpret<u64>(get<f64>(o, i)) != reinterpret<u64>(Math.exp(get<f64>(x, i)))) bad++;
  free(x);
  free(o);
  return bad;
}

/** The kernels built on the SIMD exp (sigmoid, silu, elu with alpha 0.7) against their scalar
 *  forms, bit for bit (any NaN equals any NaN), over 2^20 values: a wide uniform spread, NaN,
 *  infinities, zeros, and values past the fast range (so groups take the fallback too). */
function expKernels<T>(): i32 {
  let n = 1 << 20;
  let x = allocT<T>(n), o = allocT<T>(n);
  reseed(19);
  for (let i = 0; i < n; i++) set<T>(x, i, <T>(nextRand(-1, 1) * Math.pow(2, nextRand(-30, 10))));
  for (let i = 0; i < n; i += 1009) {
    set<T>(x, i, <T>NaN);
    set<T>(x, i + 1, <T>Infinity);
    set<T>(x, i + 2, <T>-Infinity);
    set<T>(x, i + 3, <T>-0.0);
    set<T>(x, i + 5, <T>0);
  }
  let bad = 0;
  for (let kind = 0; kind < 3; kind++) {
    if (kind == 0) { if (isF32<T>()) sigmoid_f32(o, x, n); else sigmoid_f64(o, x, n); }
    if (kind == 1) { if (isF32<T>()) silu_f32(o, x, n); else silu_f64(o, x, n); }
    if (kind == 2) { if (isF32<T>()) elu_f32(o, x, n, 0.7); else elu_f64(o, x, n, 0.7); }
    for (let i = 0; i < n; i++) {
      let v = get<T>(x, i);
      let want: T;
      if (kind == 0) want = v < <T>0 ? sexp<T>(v) / (<T>1 + sexp<T>(v)) : <T>1 / (<T>1 + sexp<T>(-v));
      else if (kind == 1) want = v / (<T>1 + sexp<T>(-v));
      else want = v > <T>0 ? v : <T>0.7 * (sexp<T>(v) - <T>1);
      if (!same<T>(get<T>(o, i), want)) bad++;
    }
  }
  free(x);
  free(o);
  return bad;
}
function sexp<T>(x: T): T {
  return isF32<T>() ? <T>Mathf.exp(<f32>x) : <T>Math.exp(<f64>x);
}

describe("SIMD exp: the scalar exp's bits in every lane", () => {
  test("f32: all 2^32 patterns with stride 251", () => {
    expect(f32Strided()).toBe(0);
    // most groups must take the vector path, or the sweep would test only the fallback
    expect(fast32).toBeGreaterThan(2000000);
  });
  test("f32: every pattern near 0, 1, the fast bound 88, the underflow to subnormals and 2^-25", () => {
    expect(f32Dense(0, 0x20000)).toBe(0);
    expect(f32Dense(0x3f7f0000, 0x3f810000)).toBe(0);
    expect(f32Dense(0x42ae0000, 0x42b20000)).toBe(0);
    expect(f32Dense(0x42ae8000, 0x42af0000)).toBe(0);
    expect(f32Dense(0x32ff0000, 0x33010000)).toBe(0);
  });
  test("f32: specials (NaN, infinities, zeros, subnormals, extremes) mixed with ordinary lanes", () => {
    expect(f32Edges()).toBe(0);
  });
  test("f32: the exp kernel", () => {
    expect(f32Kernel()).toBe(0);
  });
  test("f64: a random sample of 2.4 million lanes", () => {
    expect(f64Random()).toBe(0);
    expect(fast64).toBeGreaterThan(400000);
  });
  test("f64: patterns around 2^-54, 512, 1 and the smallest normal; specials", () => {
    expect(f64Edges()).toBe(0);
  });
  test("f64: the exp kernel", () => {
    expect(f64Kernel()).toBe(0);
  });
  test("sigmoid, silu, elu (four f32 or two f64 lanes through the SIMD exp) equal their scalar forms", () => {
    expect(expKernels<f32>()).toBe(0);
    expect(expKernels<f64>()).toBe(0);
  });
});
