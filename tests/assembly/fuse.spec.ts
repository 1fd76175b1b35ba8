import {
  fuse_f32, fuse_f64, fuse_program_ptr, free,
  add_f32, add_f64, sub_f32, sub_f64, mul_f32, mul_f64, div_f32, div_f64,
  maximum_f32, maximum_f64, minimum_f32, minimum_f64,
  neg_f32, neg_f64, abs_f32, abs_f64, sqrt_f32, sqrt_f64, relu_f32, relu_f64,
  sum_f32, sum_f64, mean_f32, mean_f64,
} from "../../assembly/index";
import { allocT, get, set, fillRand, specials, same, isF32, un, bin, red, setMeta, reseed, guardValue } from "./helpers";

// The tile interpreter against the unfused kernels it stands for: the same program run op by op
// through add_T / mul_T / neg_T ... (each result in memory) and then fused must give the same bits,
// stored and reduced, at lengths around the SIMD width and the 512-element tile.

const LENGTHS: StaticArray<i32> = [1, 2, 3, 4, 5, 7, 8, 9, 17, 511, 512, 513, 1029, 2048];
const CONST_AT: usize = 2048;

/** Writes a program's words into the program area. */
function setProg(vals: StaticArray<i32>): void {
  let p = fuse_program_ptr();
  for (let i = 0; i < vals.length; i++) store<i32>(p + (<usize>i << 2), vals[i]);
}

function fuseK<T>(n: i32, nregs: i32, redReg: i32, mean: i32, out: usize): i32 {
  return isF32<T>() ? fuse_f32(n, nregs, redReg, mean, out) : fuse_f64(n, nregs, redReg, mean, out);
}

/** An unfused binary kernel over n contiguous elements, `b` broadcast when bScalar. */
function binFlat<T>(k32: (o: usize, a: usize, b: usize, nd: i32) => void, k64: (o: usize, a: usize, b: usize, nd: i32) => void,
  out: usize, a: usize, b: usize, n: i32, bScalar: bool): void {
  setMeta([n, 1, bScalar ? 0 : 1]);
  bin<T>(k32, k64)(out, a, b, 1);
}

/**
 * Program: r0 = LOAD x, r1 = LOAD y, r2 = CONST c, r3 = x + c, r4 = r3 * r3, r5 = r4 - y,
 * r6 = r5 / c, r7 = max(r6, y), r8 = min(r7, r3), r9 = -r8, r10 = |r9|, r11 = sqrt(r10),
 * r12 = relu(r5), r13 = r11 * r12; STORE r13 -> out, STORE r4 -> out2; reduce r13.
 * Returns mismatches against the unfused kernels.
 */
function chain<T>(n: i32, withSpecials: bool, mean: i32): i32 {
  let x = allocT<T>(n + 1);
  let y = allocT<T>(n + 1);
  let c = allocT<T>(1);
  fillRand<T>(x, n, -3, 3);
  fillRand<T>(y, n, -3, 3);
  if (withSpecials) specials<T>(x, n);
  let cv: f64 = 1.7;
  set<T>(c, 0, <T>cv);
  // Unfused, one kernel per op.
  let t3 = allocT<T>(n); let t4 = allocT<T>(n); let t5 = allocT<T>(n); let t6 = allocT<T>(n);
  let t7 = allocT<T>(n); let t8 = allocT<T>(n); let t9 = allocT<T>(n); let t10 = allocT<T>(n);
  let t11 = allocT<T>(n); let t12 = allocT<T>(n); let t13 = allocT<T>(n);
  binFlat<T>(add_f32, add_f64, t3, x, c, n, true);
  binFlat<T>(mul_f32, mul_f64, t4, t3, t3, n, false);
  binFlat<T>(sub_f32, sub_f64, t5, t4, y, n, false);
  binFlat<T>(div_f32, div_f64, t6, t5, c, n, true);
  binFlat<T>(maximum_f32, maximum_f64, t7, t6, y, n, false);
  binFlat<T>(minimum_f32, minimum_f64, t8, t7, t3, n, false);
  un<T>(neg_f32, neg_f64)(t9, t8, n);
  un<T>(abs_f32, abs_f64)(t10, t9, n);
  un<T>(sqrt_f32, sqrt_f64)(t11, t10, n);
  un<T>(relu_f32, relu_f64)(t12, t5, n);
  binFlat<T>(mul_f32, mul_f64, t13, t11, t12, n, false);
  let ref = allocT<T>(1);
  if (mean != 0) red<T>(mean_f32, mean_f64)(ref, t13, 1, n, 1);
  else red<T>(sum_f32, sum_f64)(ref, t13, 1, n, 1);
  // Fused.
  let out = allocT<T>(n + 1);
  let out2 = allocT<T>(n + 1);
  set<T>(out, n, guardValue<T>());
  set<T>(out2, n, guardValue<T>());
  let r = allocT<T>(1);
  let prog: StaticArray<i32> = [
    16,
    0, 0, <i32>x, 0,
    0, 1, <i32>y, 0,
    1, 2, 0, 0,
    3, 3, 0, 2,
    5, 4, 3, 3,
    4, 5, 4, 1,
    6, 6, 5, 2,
    7, 7, 6, 1,
    8, 8, 7, 3,
    9, 9, 8, 0,
    10, 10, 9, 0,
    11, 11, 10, 0,
    12, 12, 5, 0,
    5, 13, 11, 12,
    2, 0, 13, <i32>out,
    2, 0, 4, <i32>out2,
  ];
  setProg(prog);
  store<f64>(fuse_program_ptr() + CONST_AT, cv);
  let code = fuseK<T>(n, 14, 13, mean, r);
  let bad = code;
  for (let i = 0; i < n; i++) {
    if (!same<T>(get<T>(out, i), get<T>(t13, i))) bad++;
    if (!same<T>(get<T>(out2, i), get<T>(t4, i))) bad++;
  }
  if (!same<T>(get<T>(out, n), guardValue<T>()) || !same<T>(get<T>(out2, n), guardValue<T>())) bad++;
  if (!same<T>(get<T>(r, 0), get<T>(ref, 0))) bad++;
  free(x); free(y); free(c); free(t3); free(t4); free(t5); free(t6); free(t7); free(t8); free(t9);
  free(t10); free(t11); free(t12); free(t13); free(ref); free(out); free(out2); free(r);
  return bad;
}

function chains<T>(mean: i32): i32 {
  reseed(7);
  let bad = 0;
  for (let k = 0; k < LENGTHS.length; k++) {
    bad += chain<T>(LENGTHS[k], false, mean);
    bad += chain<T>(LENGTHS[k], true, mean);
  }
  return bad;
}

/** A reduction of a LOAD register reads the input in place: the sum kernel's order exactly. */
function sumOfLoad<T>(n: i32): i32 {
  let x = allocT<T>(n);
  fillRand<T>(x, n, -100, 100);
  let ref = allocT<T>(1);
  let r = allocT<T>(1);
  red<T>(sum_f32, sum_f64)(ref, x, 1, n, 1);
  setProg([1, 0, 0, <i32>x, 0]);
  let bad = fuseK<T>(n, 1, 0, 0, r);
  if (!same<T>(get<T>(r, 0), get<T>(ref, 0))) bad++;
  free(x); free(ref); free(r);
  return bad;
}

describe("fuse (tile interpreter)", () => {
  test("a chain of every op, stored twice and summed: the unfused kernels' bits", () => {
    expect(chains<f32>(0)).toBe(0);
    expect(chains<f64>(0)).toBe(0);
  });
  test("mean at the end of the chain: the mean kernel's bits", () => {
    expect(chains<f32>(1)).toBe(0);
    expect(chains<f64>(1)).toBe(0);
  });
  test("sum of a loaded input: the sum kernel's order", () => {
    for (let k = 0; k < LENGTHS.length; k++) {
      expect(sumOfLoad<f32>(LENGTHS[k])).toBe(0);
      expect(sumOfLoad<f64>(LENGTHS[k])).toBe(0);
    }
  });
  test("an unknown opcode is refused", () => {
    setProg([1, 99, 0, 0, 0]);
    expect(fuse_f32(4, 1, -1, 0, 0)).toBe(2);
  });
});
