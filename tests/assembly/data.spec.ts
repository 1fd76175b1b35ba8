import { rng_seed, rng_state_get, rng_state_set, rand_f64, randint_i64, u8_to_f32_div, u8_to_i64, alloc, free } from "../../assembly/index";

/** Saving the 11 state words and writing them back replays the stream; the seed words are kept. */
function stateRoundTrip(): void {
  let a = alloc(8 * 16), b = alloc(8 * 16);
  rng_seed(5, 3);
  rand_f64(a, 3);
  let words = new StaticArray<u32>(11);
  for (let i = 0; i < 11; i++) words[i] = rng_state_get(i);
  expect(words[8]).toBe(5);
  expect(words[9]).toBe(3);
  expect(words[10]).toBe(1);
  rand_f64(a, 16);
  rng_seed(1, 1);
  for (let i = 0; i < 11; i++) rng_state_set(i, words[i]);
  rand_f64(b, 16);
  for (let i = 0; i < 16; i++) expect(load<f64>(b + (<usize>i << 3))).toBe(load<f64>(a + (<usize>i << 3)));
  expect(rng_state_get(8)).toBe(5);
  free(a); free(b);
}

/** randint: every value in [low, low + range), each value of a small range drawn; a 64-bit low. */
function randintRange(): void {
  let n = 5000;
  let out = alloc(8 * n);
  rng_seed(11, 0);
  randint_i64(out, n, <u32>-3, <u32>-1, 7, 0); // low = -3, range 7: [-3, 4)
  let counts = new StaticArray<i32>(7);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    let v = load<i64>(out + (<usize>i << 3));
    if (v < -3 || v >= 4) bad++;
    else counts[<i32>(v + 3)]++;
  }
  expect(bad).toBe(0);
  for (let k = 0; k < 7; k++) expect(counts[k]).toBeGreaterThan(500);
  randint_i64(out, 10, 0, 1, 2, 0); // low = 2^32
  for (let i = 0; i < 10; i++) {
    let v = load<i64>(out + (<usize>i << 3));
    expect(v == 4294967296 || v == 4294967297).toBe(true);
  }
  free(out);
}

/** Bytes to float32 / 255 (a float32 division, as float().div(255)) and to int64, every tail length. */
function byteConversions(): void {
  for (let n = 0; n < 9; n++) {
    let src = alloc(16), f = alloc(4 * 16), l = alloc(8 * 16);
    for (let i = 0; i < n; i++) store<u8>(src + <usize>i, <u8>(i * 37 + 200));
    store<f32>(f + (<usize>n << 2), -1);
    u8_to_f32_div(f, src, n, 255);
    u8_to_i64(l, src, n);
    for (let i = 0; i < n; i++) {
      let b = <u8>(i * 37 + 200);
      expect(load<f32>(f + (<usize>i << 2))).toBe(<f32>b / <f32>255);
      expect(load<i64>(l + (<usize>i << 3))).toBe(<i64>b);
    }
    expect(load<f32>(f + (<usize>n << 2))).toBe(-1); // nothing written past n
    free(src); free(f); free(l);
  }
}

describe("data kernels", () => {
  test("rng state words: save, restore, replay", () => { stateRoundTrip(); });
  test("randint_i64: range, coverage, 64-bit low", () => { randintRange(); });
  test("u8_to_f32_div and u8_to_i64", () => { byteConversions(); });
});
