import { f16_to_f32, bf16_to_f32, bool_from_u8, f32_to_f16, f32_to_bf16, free } from "../../assembly/index";
import { allocN, get, set } from "./helpers";

describe("safetensors conversions", () => {
  test("f16 -> f32 -> f16 is the identity on all 65536 halves (NaNs become sign | 0x7e00)", () => {
    const n = 65536;
    let h = allocN(n, 2), f = allocN(n, 4), back = allocN(n, 2);
    for (let i = 0; i < n; i++) set<u16>(h, i, <u16>i);
    f16_to_f32(f, h, n);
    f32_to_f16(back, f, n);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const isNaN = (i & 0x7c00) == 0x7c00 && (i & 0x3ff) != 0;
      if (get<u16>(back, i) != (isNaN ? <u16>((i & 0x8000) | 0x7e00) : <u16>i)) wrong++;
    }
    expect<i32>(wrong).toBe(0);
    // a few decoded values against plain arithmetic
    expect<f32>(get<f32>(f, 0x3c00)).toBe(1.0);
    expect<f32>(get<f32>(f, 0x7bff)).toBe(65504.0);
    expect<f32>(get<f32>(f, 0x0001)).toBe(<f32>5.9604644775390625e-8);
    expect<u32>(reinterpret<u32>(get<f32>(f, 0x8000))).toBe(0x80000000);
    free(h); free(f); free(back);
  });
  test("bf16 -> f32 at every SIMD tail is the scalar shift; f32 -> bf16 rounds ties to even", () => {
    for (let n = 0; n <= 19; n++) {
      let h = allocN(n, 2), f = allocN(n, 4);
      for (let i = 0; i < n; i++) set<u16>(h, i, <u16>(i * 40503 + 7));
      bf16_to_f32(f, h, n);
      for (let i = 0; i < n; i++) expect<u32>(reinterpret<u32>(get<f32>(f, i))).toBe(<u32>(<u16>(i * 40503 + 7)) << 16);
      free(h); free(f);
    }
    let x = allocN(4, 4), o = allocN(4, 2);
    set<u32>(x, 0, 0x3f808000); // tie, even below: stays 0x3f80
    set<u32>(x, 1, 0x3f818000); // tie, odd below: rounds up to 0x3f82
    set<u32>(x, 2, 0x3f808001); // above the tie: up
    set<u32>(x, 3, 0x7f7fffff); // the largest float: rounds to infinity
    f32_to_bf16(o, x, 4);
    expect<u16>(get<u16>(o, 0)).toBe(0x3f80);
    expect<u16>(get<u16>(o, 1)).toBe(0x3f82);
    expect<u16>(get<u16>(o, 2)).toBe(0x3f81);
    expect<u16>(get<u16>(o, 3)).toBe(0x7f80);
    free(x); free(o);
  });
  test("f32 -> f16 edges: overflow at the tie above 65504, subnormal rounding, 2^-25 ties to zero", () => {
    let x = allocN(6, 4), o = allocN(6, 2);
    set<u32>(x, 0, 0x477fefff); // just below the tie: 65504
    set<u32>(x, 1, 0x477ff000); // the tie: infinity (65504 is odd)
    set<u32>(x, 2, 0x33000000); // 2^-25, half the smallest subnormal: ties to 0
    set<u32>(x, 3, 0x33000001); // just above: the smallest subnormal
    set<u32>(x, 4, 0x387fe000); // halfway between the largest subnormal and 2^-14: up to 0x0400
    set<u32>(x, 5, 0xc0000000); // -2
    f32_to_f16(o, x, 6);
    expect<u16>(get<u16>(o, 0)).toBe(0x7bff);
    expect<u16>(get<u16>(o, 1)).toBe(0x7c00);
    expect<u16>(get<u16>(o, 2)).toBe(0x0000);
    expect<u16>(get<u16>(o, 3)).toBe(0x0001);
    expect<u16>(get<u16>(o, 4)).toBe(0x0400);
    expect<u16>(get<u16>(o, 5)).toBe(0xc000);
    free(x); free(o);
  });
  test("bytes -> bool: non-zero is 1", () => {
    let x = allocN(5, 1), o = allocN(5, 1);
    set<u8>(x, 0, 0); set<u8>(x, 1, 1); set<u8>(x, 2, 2); set<u8>(x, 3, 255); set<u8>(x, 4, 128);
    bool_from_u8(o, x, 5);
    expect<u8>(get<u8>(o, 0)).toBe(0);
    for (let i = 1; i < 5; i++) expect<u8>(get<u8>(o, i)).toBe(1);
    free(x); free(o);
  });
});
