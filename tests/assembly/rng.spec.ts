import { rng_seed, rand_f32, rand_f64, randn_f32, randn_f64, free } from "../../assembly/index";
import { allocN, getF32, getF64 } from "./helpers";

describe("rng", () => {
  test("same seed gives the same stream; different seeds differ", () => {
    let a = allocN(100, 8), b = allocN(100, 8), c = allocN(100, 8);
    rng_seed(42, 0);
    rand_f64(a, 100);
    rng_seed(42, 0);
    rand_f64(b, 100);
    rng_seed(42, 1);
    rand_f64(c, 100);
    let same = 0, diff = 0;
    for (let i = 0; i < 100; i++) {
      if (getF64(a, i) == getF64(b, i)) same++;
      if (getF64(a, i) != getF64(c, i)) diff++;
    }
    expect(same).toBe(100);
    expect(diff).toBeGreaterThan(95);
    free(a); free(b); free(c);
  });
  test("stream continues across calls (split calls == one call)", () => {
    let a = allocN(10, 4), b = allocN(10, 4);
    rng_seed(7, 0);
    rand_f32(a, 10);
    rng_seed(7, 0);
    rand_f32(b, 4);
    rand_f32(b + 16, 6);
    for (let i = 0; i < 10; i++) expect(getF32(a, i)).toBe(getF32(b, i));
    free(a); free(b);
  });
  test("rand is in [0, 1) with a sensible mean; f32 uses 24 bits", () => {
    let n = 20000;
    let a = allocN(n, 4), b = allocN(n, 8);
    rng_seed(123, 456);
    rand_f32(a, n);
    rand_f64(b, n);
    let bad = 0, s32: f64 = 0, s64: f64 = 0;
    for (let i = 0; i < n; i++) {
      let u = getF32(a, i), v = getF64(b, i);
      if (!(u >= 0 && u < 1)) bad++;
      if (!(v >= 0 && v < 1)) bad++;
      if (<f32>(<f64>u * 16777216.0) != Mathf.floor(u * 16777216)) bad++; // multiple of 2^-24
      s32 += <f64>u; s64 += v;
    }
    expect(bad).toBe(0);
    expect(Math.abs(s32 / <f64>n - 0.5) < 0.01).toBe(true);
    expect(Math.abs(s64 / <f64>n - 0.5) < 0.01).toBe(true);
    free(a); free(b);
  });
  test("randn: reproducible, mean ~0, variance ~1, odd n works", () => {
    let n = 20001;
    let a = allocN(n, 8), b = allocN(n, 8), c = allocN(n, 4);
    rng_seed(99, 0);
    randn_f64(a, n);
    rng_seed(99, 0);
    randn_f64(b, n);
    rng_seed(99, 0);
    randn_f32(c, n);
    let same = 0, s: f64 = 0, ss: f64 = 0, bad = 0;
    for (let i = 0; i < n; i++) {
      let v = getF64(a, i);
      if (v == getF64(b, i)) same++;
      if (getF32(c, i) != <f32>v) bad++; // f32 stream is the f64 stream rounded
      if (!isFinite(v)) bad++;
      s += v; ss += v * v;
    }
    expect(same).toBe(n);
    expect(bad).toBe(0);
    let mean = s / <f64>n;
    expect(Math.abs(mean) < 0.03).toBe(true);
    expect(Math.abs(ss / <f64>n - mean * mean - 1) < 0.05).toBe(true);
    free(a); free(b); free(c);
  });
});
