import { rng_seed, rand_f32, rand_f64, randn_f32, randn_f64, free } from "../../assembly/index";
import { allocT, get, isF32, bytesOf } from "./helpers";

type Fill = (o: usize, n: i32) => void;
function randK<T>(): Fill { return isF32<T>() ? rand_f32 : rand_f64; }

function sameSeedSameStream<T>(): void {
  let a = allocT<T>(100), b = allocT<T>(100), c = allocT<T>(100);
  rng_seed(42, 0);
  randK<T>()(a, 100);
  rng_seed(42, 0);
  randK<T>()(b, 100);
  rng_seed(42, 1);
  randK<T>()(c, 100);
  let same = 0, diff = 0;
  for (let i = 0; i < 100; i++) {
    if (get<T>(a, i) == get<T>(b, i)) same++;
    if (get<T>(a, i) != get<T>(c, i)) diff++;
  }
  expect(same).toBe(100);
  expect(diff).toBeGreaterThan(95);
  free(a); free(b); free(c);
}
function splitCalls<T>(): void {
  let a = allocT<T>(10), b = allocT<T>(10);
  rng_seed(7, 0);
  randK<T>()(a, 10);
  rng_seed(7, 0);
  randK<T>()(b, 4);
  randK<T>()(b + <usize>(4 * bytesOf<T>()), 6);
  for (let i = 0; i < 10; i++) expect(get<T>(a, i)).toBe(get<T>(b, i));
  free(a); free(b);
}
/** rand in [0, 1), mean near 1/2; f32 values are multiples of 2^-24, f64 values of 2^-53. */
function randRange<T>(): void {
  let n = 20000;
  let a = allocT<T>(n);
  rng_seed(123, 456);
  randK<T>()(a, n);
  let scale: f64 = isF32<T>() ? 16777216.0 : 9007199254740992.0;
  let bad = 0, s: f64 = 0;
  for (let i = 0; i < n; i++) {
    let u = <f64>get<T>(a, i);
    if (!(u >= 0 && u < 1)) bad++;
    if (u * scale != Math.floor(u * scale)) bad++;
    s += u;
  }
  expect(bad).toBe(0);
  expect(Math.abs(s / <f64>n - 0.5) < 0.01).toBe(true);
  free(a);
}

describe("rng", () => {
  test("same seed gives the same stream; different seeds differ", () => { sameSeedSameStream<f32>(); sameSeedSameStream<f64>(); });
  test("stream continues across calls (split calls == one call)", () => { splitCalls<f32>(); splitCalls<f64>(); });
  test("rand is in [0, 1) with a sensible mean; f32 uses 24 bits", () => { randRange<f32>(); randRange<f64>(); });
  test("randn: reproducible, mean ~0, variance ~1, odd n works", () => {
    let n = 20001;
    let a = allocT<f64>(n), b = allocT<f64>(n), c = allocT<f32>(n);
    rng_seed(99, 0);
    randn_f64(a, n);
    rng_seed(99, 0);
    randn_f64(b, n);
    rng_seed(99, 0);
    randn_f32(c, n);
    let same = 0, s: f64 = 0, ss: f64 = 0, bad = 0;
    for (let i = 0; i < n; i++) {
      let v = get<f64>(a, i);
      if (v == get<f64>(b, i)) same++;
      if (get<f32>(c, i) != <f32>v) bad++; // f32 stream is the f64 stream rounded
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
