import {
  fill_f32, fill_f64, arange_f32, arange_f64, linspace_f32, linspace_f64,
  cast_f32_f64, cast_f64_f32, cast_i64_f32, cast_i64_f64, cast_u8_f32, cast_u8_f64,
  cast_f32_i64, cast_f64_i64, cast_f32_u8, cast_f64_u8,
  neg_f32, neg_f64, exp_f32, exp_f64, log_f32, log_f64, sqrt_f32, sqrt_f64, abs_f32, abs_f64,
  sin_f32, sin_f64, cos_f32, cos_f64, tanh_f32, tanh_f64, sigmoid_f32, sigmoid_f64,
  relu_f32, relu_f64, reciprocal_f32, reciprocal_f64, square_f32, square_f64, sign_f32, sign_f64,
  clamp_f32, clamp_f64, leaky_relu_f32, leaky_relu_f64, pows_f32, pows_f64, rpows_f32, rpows_f64,
  scale_f32, scale_f64, logical_not_u8,
  add_f32, add_f64, sub_f32, sub_f64, mul_f32, mul_f64, div_f32, div_f64, pow_f32, pow_f64,
  maximum_f32, maximum_f64, minimum_f32, minimum_f64,
  gt_f32, gt_f64, lt_f32, lt_f64, ge_f32, ge_f64, le_f32, le_f64, eq_f32, eq_f64, ne_f32, ne_f64,
  logical_and_u8, logical_or_u8, where_f32, where_f64, free, allocated_bytes,
} from "../../assembly/index";
import {
  allocN, getF32, setF32, getF64, setF64, getU8, setU8, getI64, setI64,
  fillRandF32, fillRandF64, same32, same64, setMeta, SIZES, reseed, nextRand,
} from "./helpers";

// ------------------------------------------------------------------ unary checkers

const GUARD32: f32 = 12345.5;
const GUARD64: f64 = -9876.25;

/** Puts NaN, +-0 and +-inf at a few positions. */
function specials32(x: usize, n: i32): void {
  if (n > 1) setF32(x, 1, NaN);
  if (n > 2) setF32(x, 2, -0.0);
  if (n > 5) setF32(x, 5, Infinity);
  if (n > 6) setF32(x, 6, -Infinity);
  if (n > 8) setF32(x, 8, 0.0);
}
function specials64(x: usize, n: i32): void {
  if (n > 1) setF64(x, 1, NaN);
  if (n > 2) setF64(x, 2, -0.0);
  if (n > 5) setF64(x, 5, Infinity);
  if (n > 6) setF64(x, 6, -Infinity);
  if (n > 8) setF64(x, 8, 0.0);
}

/** Number of mismatches of kernel vs reference over all SIZES, out-of-place and in place. */
function unary32(k: (o: usize, x: usize, n: i32) => void, ref: (x: f32) => f32, lo: f64, hi: f64): i32 {
  let bad = 0;
  for (let s = 0; s < SIZES.length; s++) {
    let n = SIZES[s];
    let x = allocN(n + 1, 4);
    let out = allocN(n + 1, 4);
    fillRandF32(x, n, lo, hi);
    specials32(x, n);
    setF32(out, n, GUARD32);
    k(out, x, n);
    for (let i = 0; i < n; i++) if (!same32(getF32(out, i), ref(getF32(x, i)))) bad++;
    if (!same32(getF32(out, n), GUARD32)) bad++;
    // in place
    for (let i = 0; i < n; i++) setF32(out, i, getF32(x, i));
    k(out, out, n);
    for (let i = 0; i < n; i++) if (!same32(getF32(out, i), ref(getF32(x, i)))) bad++;
    free(x); free(out);
  }
  return bad;
}
function unary64(k: (o: usize, x: usize, n: i32) => void, ref: (x: f64) => f64, lo: f64, hi: f64): i32 {
  let bad = 0;
  for (let s = 0; s < SIZES.length; s++) {
    let n = SIZES[s];
    let x = allocN(n + 1, 8);
    let out = allocN(n + 1, 8);
    fillRandF64(x, n, lo, hi);
    specials64(x, n);
    setF64(out, n, GUARD64);
    k(out, x, n);
    for (let i = 0; i < n; i++) if (!same64(getF64(out, i), ref(getF64(x, i)))) bad++;
    if (!same64(getF64(out, n), GUARD64)) bad++;
    for (let i = 0; i < n; i++) setF64(out, i, getF64(x, i));
    k(out, out, n);
    for (let i = 0; i < n; i++) if (!same64(getF64(out, i), ref(getF64(x, i)))) bad++;
    free(x); free(out);
  }
  return bad;
}

// parameterised unary kernels, wrapped with fixed parameters
function clampA32(o: usize, x: usize, n: i32): void { clamp_f32(o, x, n, -0.5, 0.75); }
function clampA64(o: usize, x: usize, n: i32): void { clamp_f64(o, x, n, -0.5, 0.75); }
function clampLo32(o: usize, x: usize, n: i32): void { clamp_f32(o, x, n, 0.25, Infinity); }
function clampHi64(o: usize, x: usize, n: i32): void { clamp_f64(o, x, n, -Infinity, 0.25); }
function leaky32(o: usize, x: usize, n: i32): void { leaky_relu_f32(o, x, n, 0.01); }
function leaky64(o: usize, x: usize, n: i32): void { leaky_relu_f64(o, x, n, 0.01); }
function scale32(o: usize, x: usize, n: i32): void { scale_f32(o, x, n, 0.1); }
function scale64(o: usize, x: usize, n: i32): void { scale_f64(o, x, n, 0.1); }
function pow2_32(o: usize, x: usize, n: i32): void { pows_f32(o, x, n, 2); }
function pow2_64(o: usize, x: usize, n: i32): void { pows_f64(o, x, n, 2); }
function pow1_32(o: usize, x: usize, n: i32): void { pows_f32(o, x, n, 1); }
function pow0_64(o: usize, x: usize, n: i32): void { pows_f64(o, x, n, 0); }
function powm1_32(o: usize, x: usize, n: i32): void { pows_f32(o, x, n, -1); }
function powh_32(o: usize, x: usize, n: i32): void { pows_f32(o, x, n, 0.5); }
function powh_64(o: usize, x: usize, n: i32): void { pows_f64(o, x, n, 0.5); }
function pow3_32(o: usize, x: usize, n: i32): void { pows_f32(o, x, n, 3); }
function pow3_64(o: usize, x: usize, n: i32): void { pows_f64(o, x, n, 3); }
function powmh_32(o: usize, x: usize, n: i32): void { pows_f32(o, x, n, -0.5); }
function powmh_64(o: usize, x: usize, n: i32): void { pows_f64(o, x, n, -0.5); }
function powm2_32(o: usize, x: usize, n: i32): void { pows_f32(o, x, n, -2); }
function powm2_64(o: usize, x: usize, n: i32): void { pows_f64(o, x, n, -2); }
function powInf64(o: usize, x: usize, n: i32): void { pows_f64(o, x, n, Infinity); }
function powNaN32(o: usize, x: usize, n: i32): void { pows_f32(o, x, n, NaN); }
function rpowM1_64(o: usize, x: usize, n: i32): void { rpows_f64(o, x, n, -1); }
function rpow1_32(o: usize, x: usize, n: i32): void { rpows_f32(o, x, n, 1); }
function pow27_64(o: usize, x: usize, n: i32): void { pows_f64(o, x, n, 2.7); }
function rpow32(o: usize, x: usize, n: i32): void { rpows_f32(o, x, n, 2.5); }
function rpow64(o: usize, x: usize, n: i32): void { rpows_f64(o, x, n, 2.5); }

// PyTorch: relu(x) = x < 0 ? 0 : x, so NaN and -0 pass through.
function relu32ref(x: f32): f32 { return isNaN(x) ? x : (x < 0 ? 0 : x); }
function relu64ref(x: f64): f64 { return isNaN(x) ? x : (x < 0 ? 0 : x); }
function sig32ref(x: f32): f32 { return x < 0 ? Mathf.exp(x) / (1 + Mathf.exp(x)) : 1 / (1 + Mathf.exp(-x)); }
function sig64ref(x: f64): f64 { return x < 0 ? Math.exp(x) / (1 + Math.exp(x)) : 1 / (1 + Math.exp(-x)); }
// PyTorch 1.13: sign(NaN) = 0, sign(-0) = +0.
function sign32ref(x: f32): f32 { return isNaN(x) ? 0 : (x > 0 ? 1 : (x < 0 ? -1 : 0)); }
function sign64ref(x: f64): f64 { return isNaN(x) ? 0 : (x > 0 ? 1 : (x < 0 ? -1 : 0)); }
// PyTorch: a bound replaces only values strictly beyond it; lo > hi gives hi everywhere.
function clampRef32(x: f32, lo: f32, hi: f32): f32 { if (isNaN(x)) return x; let r = x < lo ? lo : x; return r > hi ? hi : r; }
function clampRef64(x: f64, lo: f64, hi: f64): f64 { if (isNaN(x)) return x; let r = x < lo ? lo : x; return r > hi ? hi : r; }

describe("unary SIMD kernels vs scalar loops (all tail lengths, in place too)", () => {
  test("neg", () => {
    expect(unary32(neg_f32, (x: f32): f32 => -x, -3, 3)).toBe(0);
    expect(unary64(neg_f64, (x: f64): f64 => -x, -3, 3)).toBe(0);
  });
  test("abs", () => {
    expect(unary32(abs_f32, (x: f32): f32 => x < 0 || (x == 0 && 1 / x < 0) ? -x : x, -3, 3)).toBe(0);
    expect(unary64(abs_f64, (x: f64): f64 => x < 0 || (x == 0 && 1 / x < 0) ? -x : x, -3, 3)).toBe(0);
  });
  test("sqrt", () => {
    expect(unary32(sqrt_f32, (x: f32): f32 => Mathf.sqrt(x), -1, 9)).toBe(0);
    expect(unary64(sqrt_f64, (x: f64): f64 => Math.sqrt(x), -1, 9)).toBe(0);
  });
  test("relu (relu(NaN) = NaN)", () => {
    expect(unary32(relu_f32, relu32ref, -3, 3)).toBe(0);
    expect(unary64(relu_f64, relu64ref, -3, 3)).toBe(0);
    let x = allocN(4, 4);
    setF32(x, 0, NaN);
    relu_f32(x, x, 1);
    expect(isNaN(getF32(x, 0))).toBe(true);
    free(x);
  });
  test("reciprocal", () => {
    expect(unary32(reciprocal_f32, (x: f32): f32 => 1 / x, -3, 3)).toBe(0);
    expect(unary64(reciprocal_f64, (x: f64): f64 => 1 / x, -3, 3)).toBe(0);
  });
  test("square", () => {
    expect(unary32(square_f32, (x: f32): f32 => x * x, -3, 3)).toBe(0);
    expect(unary64(square_f64, (x: f64): f64 => x * x, -3, 3)).toBe(0);
  });
  test("scale", () => {
    expect(unary32(scale32, (x: f32): f32 => x * <f32>0.1, -3, 3)).toBe(0);
    expect(unary64(scale64, (x: f64): f64 => x * 0.1, -3, 3)).toBe(0);
  });
  test("clamp (NaN stays NaN, infinite bounds)", () => {
    expect(unary32(clampA32, (x: f32): f32 => clampRef32(x, -0.5, 0.75), -3, 3)).toBe(0);
    expect(unary64(clampA64, (x: f64): f64 => clampRef64(x, -0.5, 0.75), -3, 3)).toBe(0);
    expect(unary32(clampLo32, (x: f32): f32 => clampRef32(x, 0.25, Infinity), -3, 3)).toBe(0);
    expect(unary64(clampHi64, (x: f64): f64 => clampRef64(x, -Infinity, 0.25), -3, 3)).toBe(0);
  });
  test("leaky_relu", () => {
    expect(unary32(leaky32, (x: f32): f32 => x > 0 ? x : x * <f32>0.01, -3, 3)).toBe(0);
    expect(unary64(leaky64, (x: f64): f64 => x > 0 ? x : x * 0.01, -3, 3)).toBe(0);
  });
});

describe("unary transcendental kernels equal the module's Math / Mathf", () => {
  test("exp / log", () => {
    expect(unary32(exp_f32, (x: f32): f32 => Mathf.exp(x), -20, 20)).toBe(0);
    expect(unary64(exp_f64, (x: f64): f64 => Math.exp(x), -20, 20)).toBe(0);
    expect(unary32(log_f32, (x: f32): f32 => Mathf.log(x), -1, 50)).toBe(0);
    expect(unary64(log_f64, (x: f64): f64 => Math.log(x), -1, 50)).toBe(0);
  });
  test("sin / cos / tanh", () => {
    expect(unary32(sin_f32, (x: f32): f32 => Mathf.sin(x), -10, 10)).toBe(0);
    expect(unary64(sin_f64, (x: f64): f64 => Math.sin(x), -10, 10)).toBe(0);
    expect(unary32(cos_f32, (x: f32): f32 => Mathf.cos(x), -10, 10)).toBe(0);
    expect(unary64(cos_f64, (x: f64): f64 => Math.cos(x), -10, 10)).toBe(0);
    expect(unary32(tanh_f32, (x: f32): f32 => Mathf.tanh(x), -10, 10)).toBe(0);
    expect(unary64(tanh_f64, (x: f64): f64 => Math.tanh(x), -10, 10)).toBe(0);
  });
  test("sigmoid is the stable formula and saturates without NaN", () => {
    expect(unary32(sigmoid_f32, sig32ref, -30, 30)).toBe(0);
    expect(unary64(sigmoid_f64, sig64ref, -30, 30)).toBe(0);
    let x = allocN(4, 8);
    setF64(x, 0, -1000); setF64(x, 1, 1000); setF64(x, 2, 0);
    sigmoid_f64(x, x, 3);
    expect(getF64(x, 0)).toBe(0);
    expect(getF64(x, 1)).toBe(1);
    expect(getF64(x, 2)).toBe(0.5);
    free(x);
  });
  test("sign: sign(+-0) = 0, sign(NaN) = 0", () => {
    expect(unary32(sign_f32, sign32ref, -3, 3)).toBe(0);
    expect(unary64(sign_f64, sign64ref, -3, 3)).toBe(0);
  });
});

describe("pows / rpows", () => {
  test("fast paths are exact: e = 2, 1, 0, -1", () => {
    expect(unary32(pow2_32, (x: f32): f32 => x * x, -3, 3)).toBe(0);
    expect(unary64(pow2_64, (x: f64): f64 => x * x, -3, 3)).toBe(0);
    expect(unary32(pow1_32, (x: f32): f32 => x, -3, 3)).toBe(0);
    expect(unary64(pow0_64, (x: f64): f64 => 1, -3, 3)).toBe(0);
    expect(unary32(powm1_32, (x: f32): f32 => 1 / x, -3, 3)).toBe(0);
  });
  test("e = 0.5, -0.5, 3, -2 are PyTorch's shortcuts (sqrt, 1/sqrt, x*x*x, 1/(x*x)), not pow", () => {
    expect(unary32(powh_32, (x: f32): f32 => Mathf.sqrt(x), -5, 100)).toBe(0);
    expect(unary64(powh_64, (x: f64): f64 => Math.sqrt(x), -5, 100)).toBe(0);
    expect(unary32(powmh_32, (x: f32): f32 => <f32>1 / Mathf.sqrt(x), -5, 100)).toBe(0);
    expect(unary64(powmh_64, (x: f64): f64 => 1 / Math.sqrt(x), -5, 100)).toBe(0);
    expect(unary32(pow3_32, (x: f32): f32 => x * x * x, -3, 3)).toBe(0);
    expect(unary64(pow3_64, (x: f64): f64 => x * x * x, -3, 3)).toBe(0);
    expect(unary32(powm2_32, (x: f32): f32 => <f32>1 / (x * x), -3, 3)).toBe(0);
    expect(unary64(powm2_64, (x: f64): f64 => 1 / (x * x), -3, 3)).toBe(0);
    // where they differ from pow: (-inf) ** 0.5 = NaN (pow: inf), (-0) ** 0.5 = -0 (pow: 0)
    let x = allocN(2, 8);
    setF64(x, 0, -Infinity); setF64(x, 1, -0.0);
    pows_f64(x, x, 2, 0.5);
    expect(isNaN(getF64(x, 0))).toBe(true);
    expect(1 / getF64(x, 1)).toBe(-Infinity);
    free(x);
  });
  test("general exponent is C's pow: 1 ** y = 1, x ** 0 = 1, (-1) ** +-inf = 1 (NaN in JavaScript)", () => {
    expect(unary64(pow27_64, (x: f64): f64 => Math.pow(x, 2.7), 0, 3)).toBe(0);
    expect(unary64(powInf64, (x: f64): f64 => x == 1 || x == -1 ? 1 : Math.pow(x, Infinity), -3, 3)).toBe(0);
    expect(unary32(powNaN32, (x: f32): f32 => x == 1 ? 1 : NaN, -3, 3)).toBe(0);
    expect(unary64(rpowM1_64, (x: f64): f64 => (x == Infinity || x == -Infinity) ? 1 : Math.pow(-1, x), -3, 3)).toBe(0);
    expect(unary32(rpow1_32, (x: f32): f32 => 1, -3, 3)).toBe(0);
    let a = allocN(4, 8);
    let b = allocN(4, 8);
    let o = allocN(4, 8);
    setF64(a, 0, 1); setF64(b, 0, NaN);
    setF64(a, 1, -1); setF64(b, 1, Infinity);
    setF64(a, 2, NaN); setF64(b, 2, 0);
    setF64(a, 3, -1); setF64(b, 3, NaN);
    setMeta([4, 1, 1]);
    pow_f64(o, a, b, 1);
    expect(getF64(o, 0)).toBe(1);
    expect(getF64(o, 1)).toBe(1);
    expect(getF64(o, 2)).toBe(1);
    expect(isNaN(getF64(o, 3))).toBe(true);
    free(a); free(b); free(o);
  });
  test("rpows: base ** x", () => {
    expect(unary32(rpow32, (x: f32): f32 => Mathf.pow(2.5, x), -3, 3)).toBe(0);
    expect(unary64(rpow64, (x: f64): f64 => Math.pow(2.5, x), -3, 3)).toBe(0);
  });
});

describe("creation", () => {
  test("fill writes exactly n elements", () => {
    for (let s = 0; s < SIZES.length; s++) {
      let n = SIZES[s];
      let p = allocN(n + 1, 4);
      let q = allocN(n + 1, 8);
      setF32(p, n, GUARD32);
      setF64(q, n, GUARD64);
      fill_f32(p, n, 0.1);
      fill_f64(q, n, 0.1);
      let bad = 0;
      for (let i = 0; i < n; i++) {
        if (getF32(p, i) != <f32>0.1) bad++;
        if (getF64(q, i) != 0.1) bad++;
      }
      expect(bad).toBe(0);
      expect(getF32(p, n)).toBe(GUARD32);
      expect(getF64(q, n)).toBe(GUARD64);
      free(p); free(q);
    }
  });
  test("arange: out[i] = T(start + i*step)", () => {
    let p = allocN(20, 4);
    let q = allocN(20, 8);
    arange_f32(p, 20, 0.5, 0.1);
    arange_f64(q, 20, 0.5, 0.1);
    for (let i = 0; i < 20; i++) {
      expect(getF32(p, i)).toBe(<f32>(0.5 + <f64>i * 0.1));
      expect(getF64(q, i)).toBe(0.5 + <f64>i * 0.1);
    }
    free(p); free(q);
  });
  test("linspace: PyTorch's two-sided formula, exact endpoints", () => {
    let q = allocN(7, 8);
    linspace_f64(q, 7, -1, 2);
    let step = 3.0 / 6.0;
    for (let i = 0; i < 7; i++) {
      let e = i < 3 ? -1 + <f64>i * step : 2 - <f64>(6 - i) * step;
      expect(getF64(q, i)).toBe(e);
    }
    let p = allocN(10, 4);
    linspace_f32(p, 10, 0, 1);
    let st: f32 = <f32>1 / <f32>9;
    // f32 values are start + step*i rounded once (PyTorch's fused multiply-add), i.e. via f64.
    for (let i = 0; i < 10; i++) {
      let e: f32 = i < 5 ? <f32>(<f64>st * <f64>i) : <f32>(1.0 - <f64>st * <f64>(<i32>9 - i));
      expect(getF32(p, i)).toBe(e);
    }
    expect(getF32(p, 0)).toBe(0);
    expect(getF32(p, 9)).toBe(1);
    linspace_f32(p, 7, -1, 1);
    expect(getF32(p, 3)).toBe(<f32>-2.9802322387695312e-8); // PyTorch 1.13's value
    linspace_f32(p, 1, 3, 5);
    expect(getF32(p, 0)).toBe(3);
    free(p); free(q);
  });
});

describe("casts", () => {
  test("f32 <-> f64", () => {
    let a = allocN(9, 4);
    let b = allocN(9, 8);
    let c = allocN(9, 4);
    fillRandF32(a, 9, -5, 5);
    cast_f32_f64(b, a, 9);
    for (let i = 0; i < 9; i++) expect(getF64(b, i)).toBe(<f64>getF32(a, i));
    setF64(b, 3, 0.1);
    cast_f64_f32(c, b, 9);
    for (let i = 0; i < 9; i++) expect(getF32(c, i)).toBe(<f32>getF64(b, i));
    free(a); free(b); free(c);
  });
  test("i64 / u8 -> float", () => {
    let a = allocN(5, 8);
    let f = allocN(5, 4);
    let d = allocN(5, 8);
    setI64(a, 0, -3); setI64(a, 1, 0); setI64(a, 2, 1 << 40); setI64(a, 3, 7); setI64(a, 4, -1);
    cast_i64_f32(f, a, 5);
    cast_i64_f64(d, a, 5);
    for (let i = 0; i < 5; i++) {
      expect(getF32(f, i)).toBe(<f32>getI64(a, i));
      expect(getF64(d, i)).toBe(<f64>getI64(a, i));
    }
    let u = allocN(5, 1);
    setU8(u, 0, 1); setU8(u, 1, 0); setU8(u, 2, 1); setU8(u, 3, 0); setU8(u, 4, 1);
    cast_u8_f32(f, u, 5);
    cast_u8_f64(d, u, 5);
    for (let i = 0; i < 5; i++) {
      expect(getF32(f, i)).toBe(<f32>getU8(u, i));
      expect(getF64(d, i)).toBe(<f64>getU8(u, i));
    }
    free(a); free(f); free(d); free(u);
  });
  test("float -> i64 truncates toward zero; float -> u8 is x != 0", () => {
    let f = allocN(6, 4);
    let d = allocN(6, 8);
    let o = allocN(6, 8);
    let u = allocN(6, 1);
    let vals: StaticArray<f64> = [2.7, -2.7, 0.0, -0.0, 1e10, NaN];
    for (let i = 0; i < 6; i++) { setF32(f, i, <f32>vals[i]); setF64(d, i, vals[i]); }
    cast_f64_i64(o, d, 5);
    expect(getI64(o, 0)).toBe(2);
    expect(getI64(o, 1)).toBe(-2);
    expect(getI64(o, 2)).toBe(0);
    expect(getI64(o, 4)).toBe(10000000000);
    cast_f32_i64(o, f, 2);
    expect(getI64(o, 0)).toBe(2);
    expect(getI64(o, 1)).toBe(-2);
    cast_f64_u8(u, d, 6);
    expect(getU8(u, 0)).toBe(1);
    expect(getU8(u, 2)).toBe(0);
    expect(getU8(u, 3)).toBe(0);
    expect(getU8(u, 5)).toBe(1);
    cast_f32_u8(u, f, 6);
    expect(getU8(u, 1)).toBe(1);
    expect(getU8(u, 3)).toBe(0);
    expect(getU8(u, 5)).toBe(1);
    free(f); free(d); free(o); free(u);
  });
});

// ------------------------------------------------------------------ binary checkers

/** Extent (max offset + 1) of a strided operand. */
function extent(shape: StaticArray<i32>, strides: StaticArray<i32>): i32 {
  let e = 0;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 0) e += (shape[d] - 1) * strides[d];
  return e + 1;
}
function numel(shape: StaticArray<i32>): i32 {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n;
}
/** Offset of the linear (row-major) index `li` under `strides`. */
function offsetOf(li: i32, shape: StaticArray<i32>, strides: StaticArray<i32>): i32 {
  let off = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    let c = li % shape[d];
    li /= shape[d];
    off += c * strides[d];
  }
  return off;
}
function writeMeta3(shape: StaticArray<i32>, sa: StaticArray<i32>, sb: StaticArray<i32>): void {
  let nd = shape.length;
  let m = new StaticArray<i32>(3 * nd);
  for (let d = 0; d < nd; d++) { m[d] = shape[d]; m[nd + d] = sa[d]; m[2 * nd + d] = sb[d]; }
  setMeta(m);
}

function binary32(k: (o: usize, a: usize, b: usize, nd: i32) => void, ref: (a: f32, b: f32) => f32,
                  shape: StaticArray<i32>, sa: StaticArray<i32>, sb: StaticArray<i32>): i32 {
  let n = numel(shape);
  let ea = extent(shape, sa), eb = extent(shape, sb);
  let a = allocN(ea, 4), b = allocN(eb, 4), out = allocN(n + 1, 4);
  fillRandF32(a, ea, -3, 3);
  fillRandF32(b, eb, 0.5, 3);
  if (ea > 3) setF32(a, 3, NaN);
  setF32(out, n, GUARD32);
  writeMeta3(shape, sa, sb);
  k(out, a, b, shape.length);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    let e = ref(getF32(a, offsetOf(i, shape, sa)), getF32(b, offsetOf(i, shape, sb)));
    if (!same32(getF32(out, i), e)) bad++;
  }
  if (!same32(getF32(out, n), GUARD32)) bad++;
  free(a); free(b); free(out);
  return bad;
}
function binary64(k: (o: usize, a: usize, b: usize, nd: i32) => void, ref: (a: f64, b: f64) => f64,
                  shape: StaticArray<i32>, sa: StaticArray<i32>, sb: StaticArray<i32>): i32 {
  let n = numel(shape);
  let ea = extent(shape, sa), eb = extent(shape, sb);
  let a = allocN(ea, 8), b = allocN(eb, 8), out = allocN(n + 1, 8);
  fillRandF64(a, ea, -3, 3);
  fillRandF64(b, eb, 0.5, 3);
  if (ea > 3) setF64(a, 3, NaN);
  setF64(out, n, GUARD64);
  writeMeta3(shape, sa, sb);
  k(out, a, b, shape.length);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    let e = ref(getF64(a, offsetOf(i, shape, sa)), getF64(b, offsetOf(i, shape, sb)));
    if (!same64(getF64(out, i), e)) bad++;
  }
  if (!same64(getF64(out, n), GUARD64)) bad++;
  free(a); free(b); free(out);
  return bad;
}

/** Runs the layouts: contiguous (all SIZES), scalar broadcast each side, 2-d row/column
 *  broadcast, general 3-d strided with zero strides, ndim 0. */
function allLayouts32(k: (o: usize, a: usize, b: usize, nd: i32) => void, ref: (a: f32, b: f32) => f32): i32 {
  let bad = 0;
  for (let s = 0; s < SIZES.length; s++) {
    let n = SIZES[s];
    bad += binary32(k, ref, [n], [1], [1]);
    bad += binary32(k, ref, [n], [1], [0]);
    bad += binary32(k, ref, [n], [0], [1]);
    bad += binary32(k, ref, [n], [2], [3]);
  }
  bad += binary32(k, ref, [3, 7], [7, 1], [0, 1]);
  bad += binary32(k, ref, [3, 7], [7, 1], [1, 0]);
  bad += binary32(k, ref, [2, 3, 5], [1, 2, 6], [0, 5, 1]);
  bad += binary32(k, ref, [4, 1, 3, 2], [6, 0, 2, 1], [1, 0, 0, 4]);
  bad += binary32(k, ref, [2, 0, 3], [0, 3, 1], [3, 3, 1]);
  bad += binary32(k, ref, [], [], []);
  return bad;
}
function allLayouts64(k: (o: usize, a: usize, b: usize, nd: i32) => void, ref: (a: f64, b: f64) => f64): i32 {
  let bad = 0;
  for (let s = 0; s < SIZES.length; s++) {
    let n = SIZES[s];
    bad += binary64(k, ref, [n], [1], [1]);
    bad += binary64(k, ref, [n], [1], [0]);
    bad += binary64(k, ref, [n], [0], [1]);
    bad += binary64(k, ref, [n], [2], [3]);
  }
  bad += binary64(k, ref, [3, 7], [7, 1], [0, 1]);
  bad += binary64(k, ref, [3, 7], [7, 1], [1, 0]);
  bad += binary64(k, ref, [2, 3, 5], [1, 2, 6], [0, 5, 1]);
  bad += binary64(k, ref, [4, 1, 3, 2], [6, 0, 2, 1], [1, 0, 0, 4]);
  bad += binary64(k, ref, [2, 0, 3], [0, 3, 1], [3, 3, 1]);
  bad += binary64(k, ref, [], [], []);
  return bad;
}

function max32ref(a: f32, b: f32): f32 { return isNaN(a) || isNaN(b) ? NaN : (a > b ? a : b); }
function min32ref(a: f32, b: f32): f32 { return isNaN(a) || isNaN(b) ? NaN : (a < b ? a : b); }
function max64ref(a: f64, b: f64): f64 { return isNaN(a) || isNaN(b) ? NaN : (a > b ? a : b); }
function min64ref(a: f64, b: f64): f64 { return isNaN(a) || isNaN(b) ? NaN : (a < b ? a : b); }

describe("binary arithmetic, strided with broadcasting", () => {
  test("add", () => {
    expect(allLayouts32(add_f32, (a: f32, b: f32): f32 => a + b)).toBe(0);
    expect(allLayouts64(add_f64, (a: f64, b: f64): f64 => a + b)).toBe(0);
  });
  test("sub", () => {
    expect(allLayouts32(sub_f32, (a: f32, b: f32): f32 => a - b)).toBe(0);
    expect(allLayouts64(sub_f64, (a: f64, b: f64): f64 => a - b)).toBe(0);
  });
  test("mul", () => {
    expect(allLayouts32(mul_f32, (a: f32, b: f32): f32 => a * b)).toBe(0);
    expect(allLayouts64(mul_f64, (a: f64, b: f64): f64 => a * b)).toBe(0);
  });
  test("div", () => {
    expect(allLayouts32(div_f32, (a: f32, b: f32): f32 => a / b)).toBe(0);
    expect(allLayouts64(div_f64, (a: f64, b: f64): f64 => a / b)).toBe(0);
  });
  test("pow", () => {
    expect(allLayouts32(pow_f32, (a: f32, b: f32): f32 => Mathf.pow(a, b))).toBe(0);
    expect(allLayouts64(pow_f64, (a: f64, b: f64): f64 => Math.pow(a, b))).toBe(0);
  });
  test("maximum / minimum propagate NaN", () => {
    expect(allLayouts32(maximum_f32, max32ref)).toBe(0);
    expect(allLayouts64(maximum_f64, max64ref)).toBe(0);
    expect(allLayouts32(minimum_f32, min32ref)).toBe(0);
    expect(allLayouts64(minimum_f64, min64ref)).toBe(0);
  });
  test("out may alias a contiguous operand", () => {
    let a = allocN(9, 4), b = allocN(9, 4), e = allocN(9, 4);
    fillRandF32(a, 9, -2, 2);
    fillRandF32(b, 9, -2, 2);
    for (let i = 0; i < 9; i++) setF32(e, i, getF32(a, i) * getF32(b, i));
    setMeta([9, 1, 1]);
    mul_f32(a, a, b, 1);
    for (let i = 0; i < 9; i++) expect(getF32(a, i)).toBe(getF32(e, i));
    free(a); free(b); free(e);
  });
});

// comparisons: u8 output
function cmp64(k: (o: usize, a: usize, b: usize, nd: i32) => void, ref: (a: f64, b: f64) => bool,
               shape: StaticArray<i32>, sa: StaticArray<i32>, sb: StaticArray<i32>): i32 {
  let n = numel(shape);
  let ea = extent(shape, sa), eb = extent(shape, sb);
  let a = allocN(ea, 8), b = allocN(eb, 8), out = allocN(n + 1, 1);
  reseed(77);
  for (let i = 0; i < ea; i++) setF64(a, i, Math.floor(nextRand(-3, 3)));
  for (let i = 0; i < eb; i++) setF64(b, i, Math.floor(nextRand(-3, 3)));
  if (ea > 2) setF64(a, 2, NaN);
  setU8(out, n, 77);
  writeMeta3(shape, sa, sb);
  k(out, a, b, shape.length);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    let e = ref(getF64(a, offsetOf(i, shape, sa)), getF64(b, offsetOf(i, shape, sb)));
    if (getU8(out, i) != <u8>e) bad++;
  }
  if (getU8(out, n) != 77) bad++;
  free(a); free(b); free(out);
  return bad;
}
function cmp32(k: (o: usize, a: usize, b: usize, nd: i32) => void, ref: (a: f32, b: f32) => bool,
               shape: StaticArray<i32>, sa: StaticArray<i32>, sb: StaticArray<i32>): i32 {
  let n = numel(shape);
  let ea = extent(shape, sa), eb = extent(shape, sb);
  let a = allocN(ea, 4), b = allocN(eb, 4), out = allocN(n + 1, 1);
  reseed(78);
  for (let i = 0; i < ea; i++) setF32(a, i, <f32>Math.floor(nextRand(-3, 3)));
  for (let i = 0; i < eb; i++) setF32(b, i, <f32>Math.floor(nextRand(-3, 3)));
  if (ea > 2) setF32(a, 2, NaN);
  writeMeta3(shape, sa, sb);
  k(out, a, b, shape.length);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    let e = ref(getF32(a, offsetOf(i, shape, sa)), getF32(b, offsetOf(i, shape, sb)));
    if (getU8(out, i) != <u8>e) bad++;
  }
  free(a); free(b); free(out);
  return bad;
}
function cmpLayouts64(k: (o: usize, a: usize, b: usize, nd: i32) => void, ref: (a: f64, b: f64) => bool): i32 {
  return cmp64(k, ref, [17], [1], [1]) + cmp64(k, ref, [5], [1], [0]) + cmp64(k, ref, [3, 4], [1, 3], [0, 1]) + cmp64(k, ref, [], [], []);
}
function cmpLayouts32(k: (o: usize, a: usize, b: usize, nd: i32) => void, ref: (a: f32, b: f32) => bool): i32 {
  return cmp32(k, ref, [17], [1], [1]) + cmp32(k, ref, [5], [0], [1]) + cmp32(k, ref, [3, 4], [4, 1], [1, 0]);
}

describe("comparisons (u8 output, NaN compares false except ne)", () => {
  test("gt / lt", () => {
    expect(cmpLayouts64(gt_f64, (a: f64, b: f64): bool => a > b)).toBe(0);
    expect(cmpLayouts32(gt_f32, (a: f32, b: f32): bool => a > b)).toBe(0);
    expect(cmpLayouts64(lt_f64, (a: f64, b: f64): bool => a < b)).toBe(0);
    expect(cmpLayouts32(lt_f32, (a: f32, b: f32): bool => a < b)).toBe(0);
  });
  test("ge / le", () => {
    expect(cmpLayouts64(ge_f64, (a: f64, b: f64): bool => a >= b)).toBe(0);
    expect(cmpLayouts32(ge_f32, (a: f32, b: f32): bool => a >= b)).toBe(0);
    expect(cmpLayouts64(le_f64, (a: f64, b: f64): bool => a <= b)).toBe(0);
    expect(cmpLayouts32(le_f32, (a: f32, b: f32): bool => a <= b)).toBe(0);
  });
  test("eq / ne", () => {
    expect(cmpLayouts64(eq_f64, (a: f64, b: f64): bool => a == b)).toBe(0);
    expect(cmpLayouts32(eq_f32, (a: f32, b: f32): bool => a == b)).toBe(0);
    expect(cmpLayouts64(ne_f64, (a: f64, b: f64): bool => a != b)).toBe(0);
    expect(cmpLayouts32(ne_f32, (a: f32, b: f32): bool => a != b)).toBe(0);
  });
});

describe("logical ops and where", () => {
  test("logical_and / logical_or with broadcasting, logical_not", () => {
    let a = allocN(6, 1), b = allocN(3, 1), o = allocN(6, 1);
    // a: [2,3] = [[1,0,2],[0,0,5]], b: [3] = [1,0,1] broadcast over rows
    setU8(a, 0, 1); setU8(a, 1, 0); setU8(a, 2, 2); setU8(a, 3, 0); setU8(a, 4, 0); setU8(a, 5, 5);
    setU8(b, 0, 1); setU8(b, 1, 0); setU8(b, 2, 1);
    setMeta([2, 3, 3, 1, 0, 1]);
    logical_and_u8(o, a, b, 2);
    let eAnd: StaticArray<u8> = [1, 0, 1, 0, 0, 1];
    for (let i = 0; i < 6; i++) expect(getU8(o, i)).toBe(eAnd[i]);
    setMeta([2, 3, 3, 1, 0, 1]);
    logical_or_u8(o, a, b, 2);
    let eOr: StaticArray<u8> = [1, 0, 1, 1, 0, 1];
    for (let i = 0; i < 6; i++) expect(getU8(o, i)).toBe(eOr[i]);
    logical_not_u8(o, a, 6);
    let eNot: StaticArray<u8> = [0, 1, 0, 1, 1, 0];
    for (let i = 0; i < 6; i++) expect(getU8(o, i)).toBe(eNot[i]);
    free(a); free(b); free(o);
  });
  test("where with broadcast cond / a / b", () => {
    // shape [3, 4]; cond [3,1] (strides 1,0), a [4] (0,1), b scalar (0,0)
    let c = allocN(3, 1), a = allocN(4, 8), b = allocN(1, 8), o = allocN(12, 8);
    setU8(c, 0, 1); setU8(c, 1, 0); setU8(c, 2, 1);
    for (let i = 0; i < 4; i++) setF64(a, i, <f64>(i + 1));
    setF64(b, 0, -7);
    setMeta([3, 4, 1, 0, 0, 1, 0, 0]);
    where_f64(o, c, a, b, 2);
    for (let r = 0; r < 3; r++) for (let j = 0; j < 4; j++) {
      expect(getF64(o, r * 4 + j)).toBe(getU8(c, r) ? <f64>(j + 1) : -7.0);
    }
    let a32 = allocN(12, 4), b32 = allocN(12, 4), o32 = allocN(12, 4), c2 = allocN(12, 1);
    fillRandF32(a32, 12, -1, 1); fillRandF32(b32, 12, -1, 1);
    for (let i = 0; i < 12; i++) setU8(c2, i, <u8>(i % 3 == 0));
    // transposed a: logical [3,4] read from a [4,3] buffer
    setMeta([3, 4, 4, 1, 1, 3, 4, 1]);
    where_f32(o32, c2, a32, b32, 2);
    for (let r = 0; r < 3; r++) for (let j = 0; j < 4; j++) {
      let i = r * 4 + j;
      expect(getF32(o32, i)).toBe(getU8(c2, i) ? getF32(a32, j * 3 + r) : getF32(b32, i));
    }
    setMeta([]);
    where_f32(o32, c2, a32, b32, 0);
    expect(getF32(o32, 0)).toBe(getF32(a32, 0));
    free(c); free(a); free(b); free(o); free(a32); free(b32); free(o32); free(c2);
  });
  test("kernels leave allocated_bytes unchanged", () => {
    let start = allocated_bytes();
    let x = allocN(33, 4);
    exp_f32(x, x, 33);
    setMeta([33, 1, 1]);
    add_f32(x, x, x, 1);
    free(x);
    expect(allocated_bytes()).toBe(start);
  });
});

describe("binary with both operands broadcast along the row", () => {
  test("fills the row with op(a, b) for every length, including SIMD tails", () => {
    for (let k = 0; k < SIZES.length; k++) {
      let n = SIZES[k];
      let a = allocN(1, 4);
      let b = allocN(1, 4);
      let o = allocN(n + 1, 4);
      setF32(a, 0, 1.5);
      setF32(b, 0, -0.25);
      setF32(o, n, GUARD32);
      setMeta([n, 0, 0]);
      mul_f32(o, a, b, 1);
      for (let i = 0; i < n; i++) expect(getF32(o, i)).toBe(<f32>1.5 * <f32>-0.25);
      expect(getF32(o, n)).toBe(GUARD32);
      setMeta([n, 0, 0]);
      gt_f32(o, a, b, 1);
      for (let i = 0; i < n; i++) expect(getU8(o, i)).toBe(1);
      free(a); free(b); free(o);
    }
  });
});
