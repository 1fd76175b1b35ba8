import {
  fill_f32, fill_f64, arange_f32, arange_f64, linspace_f32, linspace_f64,
  cast_f32_f64, cast_f64_f32, cast_i64_f32, cast_i64_f64, cast_u8_f32, cast_u8_f64,
  cast_f32_i64, cast_f64_i64, cast_f32_u8, cast_f64_u8,
  neg_f32, neg_f64, exp_f32, exp_f64, log_f32, log_f64, sqrt_f32, sqrt_f64, abs_f32, abs_f64,
  sin_f32, sin_f64, cos_f32, cos_f64, tanh_f32, tanh_f64, sigmoid_f32, sigmoid_f64,
  relu_f32, relu_f64, reciprocal_f32, reciprocal_f64, square_f32, square_f64, sign_f32, sign_f64,
  logical_not_u8,
  add_f32, add_f64, sub_f32, sub_f64, mul_f32, mul_f64, div_f32, div_f64, pow_f32, pow_f64,
  maximum_f32, maximum_f64, minimum_f32, minimum_f64,
  gt_f32, gt_f64, lt_f32, lt_f64, ge_f32, ge_f64, le_f32, le_f64, eq_f32, eq_f64, ne_f32, ne_f64,
  logical_and_u8, logical_or_u8, where_f32, where_f64, free, allocated_bytes,
} from "../../assembly/index";
import {
  allocN, allocT, get, set, setAll, fillRand, specials, guardValue, same, inv, isF32, setMeta, SIZES,
  reseed, nextRand, mexp, mlog, msqrt, msin, mcos, mtanh, mpow,
  Bin, un, bin, clampK, leakyK, scaleK, powsK, rpowsK,
  unary, unaryBoth,
} from "./helpers";

// Every check below is a generic function of the element type T, run for f32 and for f64; the
// kernel of a _f32 / _f64 pair is picked by T.

// ------------------------------------------------------------------ unary checkers


// PyTorch: a bound replaces only values strictly beyond it; lo > hi gives hi everywhere.
function clampRef<T>(x: T, lo: T, hi: T): T { if (isNaN(x)) return x; let r = x < lo ? lo : x; return r > hi ? hi : r; }

// The cases: kernel and reference, each written once for any T.
class Neg {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(neg_f32, neg_f64)(o, x, n); }
  r<T>(x: T): T { return -x; }
}
class Abs {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(abs_f32, abs_f64)(o, x, n); }
  r<T>(x: T): T { return x < 0 || (x == 0 && <T>1 / x < 0) ? -x : x; }
}
class Sqrt {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(sqrt_f32, sqrt_f64)(o, x, n); }
  r<T>(x: T): T { return msqrt<T>(x); }
}
// PyTorch: relu(x) = x < 0 ? 0 : x, so NaN and -0 pass through.
class Relu {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(relu_f32, relu_f64)(o, x, n); }
  r<T>(x: T): T { return isNaN(x) ? x : (x < 0 ? <T>0 : x); }
}
class Reciprocal {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(reciprocal_f32, reciprocal_f64)(o, x, n); }
  r<T>(x: T): T { return <T>1 / x; }
}
class Square {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(square_f32, square_f64)(o, x, n); }
  r<T>(x: T): T { return x * x; }
}
class Scale {
  k<T>(o: usize, x: usize, n: i32): void { scaleK<T>(o, x, n, 0.1); }
  r<T>(x: T): T { return x * <T>0.1; }
}
class ClampA {
  k<T>(o: usize, x: usize, n: i32): void { clampK<T>(o, x, n, -0.5, 0.75); }
  r<T>(x: T): T { return clampRef<T>(x, <T>-0.5, <T>0.75); }
}
class ClampLo {
  k<T>(o: usize, x: usize, n: i32): void { clampK<T>(o, x, n, 0.25, Infinity); }
  r<T>(x: T): T { return clampRef<T>(x, <T>0.25, <T>Infinity); }
}
class ClampHi {
  k<T>(o: usize, x: usize, n: i32): void { clampK<T>(o, x, n, -Infinity, 0.25); }
  r<T>(x: T): T { return clampRef<T>(x, <T>-Infinity, <T>0.25); }
}
class Leaky {
  k<T>(o: usize, x: usize, n: i32): void { leakyK<T>(o, x, n, 0.01); }
  r<T>(x: T): T { return x > 0 ? x : x * <T>0.01; }
}
class Exp {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(exp_f32, exp_f64)(o, x, n); }
  r<T>(x: T): T { return mexp<T>(x); }
}
class Log {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(log_f32, log_f64)(o, x, n); }
  r<T>(x: T): T { return mlog<T>(x); }
}
class Sin {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(sin_f32, sin_f64)(o, x, n); }
  r<T>(x: T): T { return msin<T>(x); }
}
class Cos {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(cos_f32, cos_f64)(o, x, n); }
  r<T>(x: T): T { return mcos<T>(x); }
}
class Tanh {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(tanh_f32, tanh_f64)(o, x, n); }
  r<T>(x: T): T { return mtanh<T>(x); }
}
class Sigmoid {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(sigmoid_f32, sigmoid_f64)(o, x, n); }
  r<T>(x: T): T { return x < 0 ? mexp<T>(x) / (<T>1 + mexp<T>(x)) : <T>1 / (<T>1 + mexp<T>(-x)); }
}
// PyTorch 1.13: sign(NaN) = 0, sign(-0) = +0.
class Sign {
  k<T>(o: usize, x: usize, n: i32): void { un<T>(sign_f32, sign_f64)(o, x, n); }
  r<T>(x: T): T { return isNaN(x) ? <T>0 : (x > 0 ? <T>1 : (x < 0 ? <T>-1 : <T>0)); }
}
class Pow2 {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, 2); }
  r<T>(x: T): T { return x * x; }
}
class Pow1 {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, 1); }
  r<T>(x: T): T { return x; }
}
class Pow0 {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, 0); }
  r<T>(x: T): T { return <T>1; }
}
class PowM1 {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, -1); }
  r<T>(x: T): T { return <T>1 / x; }
}
class PowHalf {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, 0.5); }
  r<T>(x: T): T { return msqrt<T>(x); }
}
class PowMHalf {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, -0.5); }
  r<T>(x: T): T { return <T>1 / msqrt<T>(x); }
}
class Pow3 {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, 3); }
  r<T>(x: T): T { return x * x * x; }
}
class PowM2 {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, -2); }
  r<T>(x: T): T { return <T>1 / (x * x); }
}
class Pow27 {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, 2.7); }
  r<T>(x: T): T { return mpow<T>(x, <T>2.7); }
}
class PowInf {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, Infinity); }
  r<T>(x: T): T { return x == 1 || x == -1 ? <T>1 : mpow<T>(x, <T>Infinity); }
}
class PowNaN {
  k<T>(o: usize, x: usize, n: i32): void { powsK<T>(o, x, n, NaN); }
  r<T>(x: T): T { return x == 1 ? <T>1 : <T>NaN; }
}
class RpowM1 {
  k<T>(o: usize, x: usize, n: i32): void { rpowsK<T>(o, x, n, -1); }
  r<T>(x: T): T { return (x == <T>Infinity || x == <T>-Infinity) ? <T>1 : mpow<T>(<T>-1, x); }
}
class Rpow1 {
  k<T>(o: usize, x: usize, n: i32): void { rpowsK<T>(o, x, n, 1); }
  r<T>(x: T): T { return <T>1; }
}
class Rpow25 {
  k<T>(o: usize, x: usize, n: i32): void { rpowsK<T>(o, x, n, 2.5); }
  r<T>(x: T): T { return mpow<T>(<T>2.5, x); }
}

function reluKeepsNaN<T>(): void {
  let x = allocT<T>(4);
  set<T>(x, 0, <T>NaN);
  un<T>(relu_f32, relu_f64)(x, x, 1);
  expect(isNaN(get<T>(x, 0))).toBe(true);
  free(x);
}
function sigmoidSaturates<T>(): void {
  let x = allocT<T>(4);
  setAll<T>(x, [-1000, 1000, 0]);
  un<T>(sigmoid_f32, sigmoid_f64)(x, x, 3);
  expect(get<T>(x, 0)).toBe(<T>0);
  expect(get<T>(x, 1)).toBe(<T>1);
  expect(get<T>(x, 2)).toBe(<T>0.5);
  free(x);
}
// where the shortcut differs from pow: (-inf) ** 0.5 = NaN (pow: inf), (-0) ** 0.5 = -0 (pow: 0)
function sqrtShortcutSpecials<T>(): void {
  let x = allocT<T>(2);
  setAll<T>(x, [-Infinity, -0.0]);
  powsK<T>(x, x, 2, 0.5);
  expect(isNaN(get<T>(x, 0))).toBe(true);
  expect(inv<T>(get<T>(x, 1))).toBe(-Infinity);
  free(x);
}
// 1 ** NaN = 1, (-1) ** inf = 1, NaN ** 0 = 1, (-1) ** NaN = NaN
function powSpecials<T>(): void {
  let a = allocT<T>(4);
  let b = allocT<T>(4);
  let o = allocT<T>(4);
  setAll<T>(a, [1, -1, NaN, -1]);
  setAll<T>(b, [NaN, Infinity, 0, NaN]);
  setMeta([4, 1, 1]);
  bin<T>(pow_f32, pow_f64)(o, a, b, 1);
  expect(get<T>(o, 0)).toBe(<T>1);
  expect(get<T>(o, 1)).toBe(<T>1);
  expect(get<T>(o, 2)).toBe(<T>1);
  expect(isNaN(get<T>(o, 3))).toBe(true);
  free(a); free(b); free(o);
}

describe("unary SIMD kernels vs scalar loops (all tail lengths, in place too)", () => {
  test("neg", () => { unaryBoth(new Neg(), -3, 3); });
  test("abs", () => { unaryBoth(new Abs(), -3, 3); });
  test("sqrt", () => { unaryBoth(new Sqrt(), -1, 9); });
  test("relu (relu(NaN) = NaN)", () => {
    unaryBoth(new Relu(), -3, 3);
    reluKeepsNaN<f32>();
    reluKeepsNaN<f64>();
  });
  test("reciprocal", () => { unaryBoth(new Reciprocal(), -3, 3); });
  test("square", () => { unaryBoth(new Square(), -3, 3); });
  test("scale", () => { unaryBoth(new Scale(), -3, 3); });
  test("clamp (NaN stays NaN, infinite bounds)", () => {
    unaryBoth(new ClampA(), -3, 3);
    unaryBoth(new ClampLo(), -3, 3);
    unaryBoth(new ClampHi(), -3, 3);
  });
  test("leaky_relu", () => { unaryBoth(new Leaky(), -3, 3); });
});

describe("unary transcendental kernels equal the module's Math / Mathf", () => {
  test("exp / log", () => {
    unaryBoth(new Exp(), -20, 20);
    unaryBoth(new Log(), -1, 50);
  });
  test("sin / cos / tanh", () => {
    unaryBoth(new Sin(), -10, 10);
    unaryBoth(new Cos(), -10, 10);
    unaryBoth(new Tanh(), -10, 10);
  });
  test("sigmoid is the stable formula and saturates without NaN", () => {
    unaryBoth(new Sigmoid(), -30, 30);
    sigmoidSaturates<f32>();
    sigmoidSaturates<f64>();
  });
  test("sign: sign(+-0) = 0, sign(NaN) = 0", () => { unaryBoth(new Sign(), -3, 3); });
});

describe("pows / rpows", () => {
  test("fast paths are exact: e = 2, 1, 0, -1", () => {
    unaryBoth(new Pow2(), -3, 3);
    unaryBoth(new Pow1(), -3, 3);
    unaryBoth(new Pow0(), -3, 3);
    unaryBoth(new PowM1(), -3, 3);
  });
  test("e = 0.5, -0.5, 3, -2 are PyTorch's shortcuts (sqrt, 1/sqrt, x*x*x, 1/(x*x)), not pow", () => {
    unaryBoth(new PowHalf(), -5, 100);
    unaryBoth(new PowMHalf(), -5, 100);
    unaryBoth(new Pow3(), -3, 3);
    unaryBoth(new PowM2(), -3, 3);
    sqrtShortcutSpecials<f32>();
    sqrtShortcutSpecials<f64>();
  });
  test("general exponent is C's pow: 1 ** y = 1, x ** 0 = 1, (-1) ** +-inf = 1 (NaN in JavaScript)", () => {
    unaryBoth(new Pow27(), 0, 3);
    unaryBoth(new PowInf(), -3, 3);
    unaryBoth(new PowNaN(), -3, 3);
    unaryBoth(new RpowM1(), -3, 3);
    unaryBoth(new Rpow1(), -3, 3);
    powSpecials<f32>();
    powSpecials<f64>();
  });
  test("rpows: base ** x", () => { unaryBoth(new Rpow25(), -3, 3); });
});

// ------------------------------------------------------------------ creation

function fillExact<T>(): void {
  for (let s = 0; s < SIZES.length; s++) {
    let n = SIZES[s];
    let p = allocT<T>(n + 1);
    set<T>(p, n, guardValue<T>());
    if (isF32<T>()) fill_f32(p, n, 0.1); else fill_f64(p, n, 0.1);
    let bad = 0;
    for (let i = 0; i < n; i++) if (get<T>(p, i) != <T>0.1) bad++;
    expect(bad).toBe(0);
    expect(get<T>(p, n)).toBe(guardValue<T>());
    free(p);
  }
}
function arangeValues<T>(): void {
  let p = allocT<T>(20);
  if (isF32<T>()) arange_f32(p, 20, 0.5, 0.1); else arange_f64(p, 20, 0.5, 0.1);
  for (let i = 0; i < 20; i++) expect(get<T>(p, i)).toBe(<T>(0.5 + <f64>i * 0.1));
  free(p);
}
/** linspace(start, end, n) against PyTorch's two-sided formula: the step is rounded to T, each
 *  value start + step*i (or end - step*(n-1-i) past the middle) is rounded once to T. */
function linspaceFormula<T>(n: i32, start: f64, end: f64): void {
  let p = allocT<T>(n);
  if (isF32<T>()) linspace_f32(p, n, start, end); else linspace_f64(p, n, start, end);
  let step = (<T>end - <T>start) / <T>(n - 1);
  for (let i = 0; i < n; i++) {
    let e = i < n / 2 ? <T>(start + <f64>step * <f64>i) : <T>(end - <f64>step * <f64>(n - 1 - i));
    expect(get<T>(p, i)).toBe(e);
  }
  expect(get<T>(p, 0)).toBe(<T>start);
  expect(get<T>(p, n - 1)).toBe(<T>end);
  free(p);
}
function linspaceTorch<T>(): void {
  let p = allocT<T>(7);
  if (isF32<T>()) {
    linspace_f32(p, 7, -1, 1);
    // PyTorch 1.13's float32 value of torch.linspace(-1, 1, 7)[3]. (Its float64 value on this
    // machine, 5.551115123125783e-17, comes from its AVX2 path, not the two-sided formula the
    // kernel follows and checks above: a known difference, not asserted here.)
    expect(get<T>(p, 3)).toBe(<T>-2.9802322387695312e-8);
  }
  if (isF32<T>()) linspace_f32(p, 1, 3, 5); else linspace_f64(p, 1, 3, 5);
  expect(get<T>(p, 0)).toBe(<T>3);
  free(p);
}

describe("creation", () => {
  test("fill writes exactly n elements", () => { fillExact<f32>(); fillExact<f64>(); });
  test("arange: out[i] = T(start + i*step)", () => { arangeValues<f32>(); arangeValues<f64>(); });
  test("linspace: PyTorch's two-sided formula, exact endpoints", () => {
    linspaceFormula<f32>(7, -1, 2);
    linspaceFormula<f64>(7, -1, 2);
    linspaceFormula<f32>(10, 0, 1);
    linspaceFormula<f64>(10, 0, 1);
    linspaceTorch<f32>();
    linspaceTorch<f64>();
  });
});

// ------------------------------------------------------------------ casts

/** i64 and u8 -> T: the value converted. */
function castToFloat<T>(): void {
  let a = allocT<i64>(5);
  let d = allocT<T>(5);
  let ai: StaticArray<i64> = [-3, 0, 1 << 40, 7, -1];
  for (let i = 0; i < 5; i++) set<i64>(a, i, ai[i]);
  un<T>(cast_i64_f32, cast_i64_f64)(d, a, 5);
  for (let i = 0; i < 5; i++) expect(get<T>(d, i)).toBe(<T>get<i64>(a, i));
  let u = allocT<u8>(5);
  let au: StaticArray<u8> = [1, 0, 1, 0, 1];
  for (let i = 0; i < 5; i++) set<u8>(u, i, au[i]);
  un<T>(cast_u8_f32, cast_u8_f64)(d, u, 5);
  for (let i = 0; i < 5; i++) expect(get<T>(d, i)).toBe(<T>get<u8>(u, i));
  free(a); free(d); free(u);
}
/** T -> i64 truncates toward zero; T -> u8 is x != 0 (NaN -> 1). */
function castFromFloat<T>(): void {
  let f = allocT<T>(6);
  let o = allocT<i64>(6);
  let u = allocT<u8>(6);
  setAll<T>(f, [2.7, -2.7, 0.0, -0.0, 1e10, NaN]);
  un<T>(cast_f32_i64, cast_f64_i64)(o, f, 5);
  expect(get<i64>(o, 0)).toBe(2);
  expect(get<i64>(o, 1)).toBe(-2);
  expect(get<i64>(o, 2)).toBe(0);
  expect(get<i64>(o, 3)).toBe(0);
  expect(get<i64>(o, 4)).toBe(10000000000);
  un<T>(cast_f32_u8, cast_f64_u8)(u, f, 6);
  expect(get<u8>(u, 0)).toBe(1);
  expect(get<u8>(u, 1)).toBe(1);
  expect(get<u8>(u, 2)).toBe(0);
  expect(get<u8>(u, 3)).toBe(0);
  expect(get<u8>(u, 4)).toBe(1);
  expect(get<u8>(u, 5)).toBe(1);
  free(f); free(o); free(u);
}

describe("casts", () => {
  test("f32 <-> f64", () => {
    let a = allocT<f32>(9);
    let b = allocT<f64>(9);
    let c = allocT<f32>(9);
    fillRand<f32>(a, 9, -5, 5);
    cast_f32_f64(b, a, 9);
    for (let i = 0; i < 9; i++) expect(get<f64>(b, i)).toBe(<f64>get<f32>(a, i));
    set<f64>(b, 3, 0.1);
    cast_f64_f32(c, b, 9);
    for (let i = 0; i < 9; i++) expect(get<f32>(c, i)).toBe(<f32>get<f64>(b, i));
    free(a); free(b); free(c);
  });
  test("i64 / u8 -> float", () => { castToFloat<f32>(); castToFloat<f64>(); });
  test("float -> i64 truncates toward zero; float -> u8 is x != 0", () => { castFromFloat<f32>(); castFromFloat<f64>(); });
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

/** Mismatches of k vs the reference R.r<T>(a, b) on one strided layout. */
function binary<T, R>(k: Bin, shape: StaticArray<i32>, sa: StaticArray<i32>, sb: StaticArray<i32>): i32 {
  let ref = instantiate<R>();
  let n = numel(shape);
  let ea = extent(shape, sa), eb = extent(shape, sb);
  let a = allocT<T>(ea), b = allocT<T>(eb), out = allocT<T>(n + 1);
  fillRand<T>(a, ea, -3, 3);
  fillRand<T>(b, eb, 0.5, 3);
  if (ea > 3) set<T>(a, 3, <T>NaN);
  set<T>(out, n, guardValue<T>());
  writeMeta3(shape, sa, sb);
  k(out, a, b, shape.length);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    let e = ref.r<T>(get<T>(a, offsetOf(i, shape, sa)), get<T>(b, offsetOf(i, shape, sb)));
    if (!same<T>(get<T>(out, i), e)) bad++;
  }
  if (!same<T>(get<T>(out, n), guardValue<T>())) bad++;
  free(a); free(b); free(out);
  return bad;
}

/** Runs the layouts: contiguous (all SIZES), scalar broadcast each side, 2-d row/column
 *  broadcast, general 3-d strided with zero strides, ndim 0. */
function allLayouts<T, R>(k: Bin): i32 {
  let bad = 0;
  for (let s = 0; s < SIZES.length; s++) {
    let n = SIZES[s];
    bad += binary<T, R>(k, [n], [1], [1]);
    bad += binary<T, R>(k, [n], [1], [0]);
    bad += binary<T, R>(k, [n], [0], [1]);
    bad += binary<T, R>(k, [n], [2], [3]);
  }
  bad += binary<T, R>(k, [3, 7], [7, 1], [0, 1]);
  bad += binary<T, R>(k, [3, 7], [7, 1], [1, 0]);
  bad += binary<T, R>(k, [2, 3, 5], [1, 2, 6], [0, 5, 1]);
  bad += binary<T, R>(k, [4, 1, 3, 2], [6, 0, 2, 1], [1, 0, 0, 4]);
  bad += binary<T, R>(k, [2, 0, 3], [0, 3, 1], [3, 3, 1]);
  bad += binary<T, R>(k, [], [], []);
  return bad;
}
/** The binary check for f32 and for f64; R is a class with the reference r<T>(a, b). */
function binaryBoth<R>(k32: Bin, k64: Bin): void {
  expect(allLayouts<f32, R>(k32)).toBe(0);
  expect(allLayouts<f64, R>(k64)).toBe(0);
}

class AddR { r<T>(a: T, b: T): T { return a + b; } }
class SubR { r<T>(a: T, b: T): T { return a - b; } }
class MulR { r<T>(a: T, b: T): T { return a * b; } }
class DivR { r<T>(a: T, b: T): T { return a / b; } }
class PowR { r<T>(a: T, b: T): T { return mpow<T>(a, b); } }
class MaxR { r<T>(a: T, b: T): T { return isNaN(a) || isNaN(b) ? <T>NaN : (a > b ? a : b); } }
class MinR { r<T>(a: T, b: T): T { return isNaN(a) || isNaN(b) ? <T>NaN : (a < b ? a : b); } }

function outAliases<T>(): void {
  let a = allocT<T>(9), b = allocT<T>(9), e = allocT<T>(9);
  fillRand<T>(a, 9, -2, 2);
  fillRand<T>(b, 9, -2, 2);
  for (let i = 0; i < 9; i++) set<T>(e, i, get<T>(a, i) * get<T>(b, i));
  setMeta([9, 1, 1]);
  bin<T>(mul_f32, mul_f64)(a, a, b, 1);
  for (let i = 0; i < 9; i++) expect(get<T>(a, i)).toBe(get<T>(e, i));
  free(a); free(b); free(e);
}

describe("binary arithmetic, strided with broadcasting", () => {
  test("add", () => { binaryBoth<AddR>(add_f32, add_f64); });
  test("sub", () => { binaryBoth<SubR>(sub_f32, sub_f64); });
  test("mul", () => { binaryBoth<MulR>(mul_f32, mul_f64); });
  test("div", () => { binaryBoth<DivR>(div_f32, div_f64); });
  test("pow", () => { binaryBoth<PowR>(pow_f32, pow_f64); });
  test("maximum / minimum propagate NaN", () => {
    binaryBoth<MaxR>(maximum_f32, maximum_f64);
    binaryBoth<MinR>(minimum_f32, minimum_f64);
  });
  test("out may alias a contiguous operand", () => { outAliases<f32>(); outAliases<f64>(); });
});

// comparisons: u8 output
/** Mismatches of the comparison k vs R.r<T>(a, b) on one layout; small integers so that ties occur. */
function cmp<T, R>(k: Bin, shape: StaticArray<i32>, sa: StaticArray<i32>, sb: StaticArray<i32>): i32 {
  let ref = instantiate<R>();
  let n = numel(shape);
  let ea = extent(shape, sa), eb = extent(shape, sb);
  let a = allocT<T>(ea), b = allocT<T>(eb), out = allocT<u8>(n + 1);
  reseed(isF32<T>() ? 78 : 77);
  for (let i = 0; i < ea; i++) set<T>(a, i, <T>Math.floor(nextRand(-3, 3)));
  for (let i = 0; i < eb; i++) set<T>(b, i, <T>Math.floor(nextRand(-3, 3)));
  if (ea > 2) set<T>(a, 2, <T>NaN);
  set<u8>(out, n, 77);
  writeMeta3(shape, sa, sb);
  k(out, a, b, shape.length);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    let e = ref.r<T>(get<T>(a, offsetOf(i, shape, sa)), get<T>(b, offsetOf(i, shape, sb)));
    if (get<u8>(out, i) != <u8>e) bad++;
  }
  if (get<u8>(out, n) != 77) bad++;
  free(a); free(b); free(out);
  return bad;
}
function cmpLayouts<T, R>(k: Bin): i32 {
  return cmp<T, R>(k, [17], [1], [1]) + cmp<T, R>(k, [5], [1], [0]) + cmp<T, R>(k, [5], [0], [1]) +
    cmp<T, R>(k, [3, 4], [1, 3], [0, 1]) + cmp<T, R>(k, [3, 4], [4, 1], [1, 0]) + cmp<T, R>(k, [], [], []);
}
function cmpBoth<R>(k32: Bin, k64: Bin): void {
  expect(cmpLayouts<f64, R>(k64)).toBe(0);
  expect(cmpLayouts<f32, R>(k32)).toBe(0);
}

class GtR { r<T>(a: T, b: T): bool { return a > b; } }
class LtR { r<T>(a: T, b: T): bool { return a < b; } }
class GeR { r<T>(a: T, b: T): bool { return a >= b; } }
class LeR { r<T>(a: T, b: T): bool { return a <= b; } }
class EqR { r<T>(a: T, b: T): bool { return a == b; } }
class NeR { r<T>(a: T, b: T): bool { return a != b; } }

describe("comparisons (u8 output, NaN compares false except ne)", () => {
  test("gt / lt", () => {
    cmpBoth<GtR>(gt_f32, gt_f64);
    cmpBoth<LtR>(lt_f32, lt_f64);
  });
  test("ge / le", () => {
    cmpBoth<GeR>(ge_f32, ge_f64);
    cmpBoth<LeR>(le_f32, le_f64);
  });
  test("eq / ne", () => {
    cmpBoth<EqR>(eq_f32, eq_f64);
    cmpBoth<NeR>(ne_f32, ne_f64);
  });
});

// ------------------------------------------------------------------ logical, where

type Where = (o: usize, c: usize, a: usize, b: usize, nd: i32) => void;
function whereK<T>(): Where { return isF32<T>() ? where_f32 : where_f64; }

function whereBroadcast<T>(): void {
  // shape [3, 4]; cond [3,1] (strides 1,0), a [4] (0,1), b scalar (0,0)
  let c = allocT<u8>(3), a = allocT<T>(4), b = allocT<T>(1), o = allocT<T>(12);
  set<u8>(c, 0, 1); set<u8>(c, 1, 0); set<u8>(c, 2, 1);
  for (let i = 0; i < 4; i++) set<T>(a, i, <T>(i + 1));
  set<T>(b, 0, <T>-7);
  setMeta([3, 4, 1, 0, 0, 1, 0, 0]);
  whereK<T>()(o, c, a, b, 2);
  for (let r = 0; r < 3; r++) for (let j = 0; j < 4; j++) {
    expect(get<T>(o, r * 4 + j)).toBe(get<u8>(c, r) ? <T>(j + 1) : <T>-7.0);
  }
  free(c); free(a); free(b); free(o);
}
function whereTransposed<T>(): void {
  let a = allocT<T>(12), b = allocT<T>(12), o = allocT<T>(12), c = allocT<u8>(12);
  fillRand<T>(a, 12, -1, 1); fillRand<T>(b, 12, -1, 1);
  for (let i = 0; i < 12; i++) set<u8>(c, i, <u8>(i % 3 == 0));
  // transposed a: logical [3,4] read from a [4,3] buffer
  setMeta([3, 4, 4, 1, 1, 3, 4, 1]);
  whereK<T>()(o, c, a, b, 2);
  for (let r = 0; r < 3; r++) for (let j = 0; j < 4; j++) {
    let i = r * 4 + j;
    expect(get<T>(o, i)).toBe(get<u8>(c, i) ? get<T>(a, j * 3 + r) : get<T>(b, i));
  }
  setMeta([]);
  whereK<T>()(o, c, a, b, 0);
  expect(get<T>(o, 0)).toBe(get<T>(a, 0));
  free(a); free(b); free(o); free(c);
}
function kernelsDoNotAllocate<T>(): void {
  let start = allocated_bytes();
  let x = allocT<T>(33);
  un<T>(exp_f32, exp_f64)(x, x, 33);
  setMeta([33, 1, 1]);
  bin<T>(add_f32, add_f64)(x, x, x, 1);
  free(x);
  expect(allocated_bytes()).toBe(start);
}

describe("logical ops and where", () => {
  test("logical_and / logical_or with broadcasting, logical_not", () => {
    let a = allocN(6, 1), b = allocN(3, 1), o = allocN(6, 1);
    // a: [2,3] = [[1,0,2],[0,0,5]], b: [3] = [1,0,1] broadcast over rows
    let va: StaticArray<u8> = [1, 0, 2, 0, 0, 5];
    let vb: StaticArray<u8> = [1, 0, 1];
    for (let i = 0; i < 6; i++) set<u8>(a, i, va[i]);
    for (let i = 0; i < 3; i++) set<u8>(b, i, vb[i]);
    setMeta([2, 3, 3, 1, 0, 1]);
    logical_and_u8(o, a, b, 2);
    let eAnd: StaticArray<u8> = [1, 0, 1, 0, 0, 1];
    for (let i = 0; i < 6; i++) expect(get<u8>(o, i)).toBe(eAnd[i]);
    setMeta([2, 3, 3, 1, 0, 1]);
    logical_or_u8(o, a, b, 2);
    let eOr: StaticArray<u8> = [1, 0, 1, 1, 0, 1];
    for (let i = 0; i < 6; i++) expect(get<u8>(o, i)).toBe(eOr[i]);
    logical_not_u8(o, a, 6);
    let eNot: StaticArray<u8> = [0, 1, 0, 1, 1, 0];
    for (let i = 0; i < 6; i++) expect(get<u8>(o, i)).toBe(eNot[i]);
    free(a); free(b); free(o);
  });
  test("where with broadcast cond / a / b", () => {
    whereBroadcast<f64>();
    whereBroadcast<f32>();
    whereTransposed<f32>();
    whereTransposed<f64>();
  });
  test("kernels leave allocated_bytes unchanged", () => { kernelsDoNotAllocate<f32>(); kernelsDoNotAllocate<f64>(); });
});

function rowBroadcast<T>(): void {
  for (let k = 0; k < SIZES.length; k++) {
    let n = SIZES[k];
    let a = allocT<T>(1);
    let b = allocT<T>(1);
    let o = allocT<T>(n + 1);
    set<T>(a, 0, <T>1.5);
    set<T>(b, 0, <T>-0.25);
    set<T>(o, n, guardValue<T>());
    setMeta([n, 0, 0]);
    bin<T>(mul_f32, mul_f64)(o, a, b, 1);
    for (let i = 0; i < n; i++) expect(get<T>(o, i)).toBe(<T>1.5 * <T>-0.25);
    expect(get<T>(o, n)).toBe(guardValue<T>());
    setMeta([n, 0, 0]);
    bin<T>(gt_f32, gt_f64)(o, a, b, 1);
    for (let i = 0; i < n; i++) expect(get<u8>(o, i)).toBe(1);
    free(a); free(b); free(o);
  }
}

describe("binary with both operands broadcast along the row", () => {
  test("fills the row with op(a, b) for every length, including SIMD tails", () => { rowBroadcast<f32>(); rowBroadcast<f64>(); });
});
