import {
  copy_b1, copy_b4, copy_b8, index_select_b4, index_select_b8, index_add_f32, index_add_f64,
  one_hot_f32, one_hot_f64, free,
} from "../../assembly/index";
import { allocN, getF32, setF32, getF64, setF64, getU8, setU8, setI64, getI32, setI32, setMeta } from "./helpers";

describe("strided copy", () => {
  test("copy_b4: transpose [3,5] -> contiguous", () => {
    let x = allocN(15, 4), o = allocN(15, 4);
    for (let i = 0; i < 15; i++) setF32(x, i, <f32>i);
    // logical shape [5,3] of x^T: out strides [3,1], x strides [1,5]
    setMeta([5, 3, 3, 1, 1, 5]);
    copy_b4(o, x, 2);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 3; c++) expect(getF32(o, r * 3 + c)).toBe(<f32>(c * 5 + r));
    free(x); free(o);
  });
  test("copy_b8: contiguous fast path and strided destination (cat into a slice)", () => {
    let x = allocN(8, 8), o = allocN(20, 8);
    for (let i = 0; i < 8; i++) setF64(x, i, <f64>i + 0.5);
    for (let i = 0; i < 20; i++) setF64(o, i, -1);
    // write x [2,4] into columns 1..4 of a [2,5] buffer at offset 1: out strides [5,1]
    setMeta([2, 4, 5, 1, 4, 1]);
    copy_b8(o + 8, x, 2);
    for (let r = 0; r < 2; r++) {
      expect(getF64(o, r * 5)).toBe(-1.0); // untouched gap column
      for (let c = 0; c < 4; c++) expect(getF64(o, r * 5 + 1 + c)).toBe(<f64>(r * 4 + c) + 0.5);
    }
    // non-unit inner strides on both sides: every other element
    let y = allocN(10, 8);
    for (let i = 0; i < 10; i++) setF64(y, i, 0);
    setMeta([4, 2, 2]);
    copy_b8(y, x, 1);
    for (let i = 0; i < 4; i++) { expect(getF64(y, 2 * i)).toBe(getF64(x, 2 * i)); expect(getF64(y, 2 * i + 1)).toBe(0); }
    free(x); free(o); free(y);
  });
  test("copy_b1: broadcast source (stride 0), 3-d, and ndim 0", () => {
    let x = allocN(3, 1), o = allocN(24, 1);
    setU8(x, 0, 1); setU8(x, 1, 0); setU8(x, 2, 1);
    // expand [1,3,1] -> [2,3,4]
    setMeta([2, 3, 4, 12, 4, 1, 0, 1, 0]);
    copy_b1(o, x, 3);
    for (let i = 0; i < 24; i++) expect(getU8(o, i)).toBe(getU8(x, (i / 4) % 3));
    setMeta([]);
    setU8(o, 0, 9);
    copy_b1(o, x + 1, 0);
    expect(getU8(o, 0)).toBe(0);
    free(x); free(o);
  });
  test("copy_b4 general 4-d permutation", () => {
    // x contiguous [2,3,4,5]; out = x.permute(3,1,0,2) contiguous [5,3,2,4]
    let x = allocN(120, 4), o = allocN(120, 4);
    for (let i = 0; i < 120; i++) setI32(x, i, i);
    // out shape [5,3,2,4], out strides [24,8,4,1]; x strides of permuted dims: [1,20,60,5]
    setMeta([5, 3, 2, 4, 24, 8, 4, 1, 1, 20, 60, 5]);
    copy_b4(o, x, 4);
    let bad = 0;
    for (let a = 0; a < 5; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) for (let d = 0; d < 4; d++) {
      if (getI32(o, a * 24 + b * 8 + c * 4 + d) != c * 60 + b * 20 + d * 5 + a) bad++;
    }
    expect(bad).toBe(0);
    free(x); free(o);
  });
});

describe("index_select / index_add / one_hot", () => {
  test("index_select_b4 and _b8 along the middle axis (inner 1 and > 1)", () => {
    // x [2, 4, 3]
    let x = allocN(24, 4), x8 = allocN(24, 8), idx = allocN(5, 8);
    for (let i = 0; i < 24; i++) { setF32(x, i, <f32>i); setF64(x8, i, <f64>i * 2); }
    let ids: StaticArray<i64> = [3, 0, 0, 2, 1];
    for (let j = 0; j < 5; j++) setI64(idx, j, ids[j]);
    let o = allocN(30, 4), o8 = allocN(30, 8);
    index_select_b4(o, x, idx, 2, 5, 3, 4);
    index_select_b8(o8, x8, idx, 2, 5, 3, 4);
    let bad = 0;
    for (let a = 0; a < 2; a++) for (let j = 0; j < 5; j++) for (let i = 0; i < 3; i++) {
      let src = (a * 4 + <i32>ids[j]) * 3 + i;
      if (getF32(o, (a * 5 + j) * 3 + i) != <f32>src) bad++;
      if (getF64(o8, (a * 5 + j) * 3 + i) != <f64>src * 2) bad++;
    }
    // inner == 1 (embedding-like rows selection on a [6] vector)
    index_select_b4(o, x, idx, 1, 5, 1, 6);
    for (let j = 0; j < 5; j++) if (getF32(o, j) != <f32>ids[j]) bad++;
    expect(bad).toBe(0);
    free(x); free(x8); free(idx); free(o); free(o8);
  });
  test("index_add accumulates duplicates in ascending j order", () => {
    // out [2, 3, 5] pre-filled with 1; src [2, 4, 5]; idx = [2, 0, 2, 1]
    let out = allocN(30, 8), src = allocN(40, 8), idx = allocN(4, 8);
    let out32 = allocN(30, 4), src32 = allocN(40, 4);
    for (let i = 0; i < 30; i++) { setF64(out, i, 1); setF32(out32, i, 1); }
    for (let i = 0; i < 40; i++) { setF64(src, i, <f64>i * 0.1); setF32(src32, i, <f32>i * <f32>0.1); }
    let ids: StaticArray<i64> = [2, 0, 2, 1];
    for (let j = 0; j < 4; j++) setI64(idx, j, ids[j]);
    index_add_f64(out, src, idx, 2, 4, 5, 3);
    index_add_f32(out32, src32, idx, 2, 4, 5, 3);
    let bad = 0;
    for (let a = 0; a < 2; a++) for (let r = 0; r < 3; r++) for (let i = 0; i < 5; i++) {
      let e: f64 = 1;
      let e32: f32 = 1;
      for (let j = 0; j < 4; j++) if (<i32>ids[j] == r) {
        e += getF64(src, (a * 4 + j) * 5 + i);
        e32 += getF32(src32, (a * 4 + j) * 5 + i);
      }
      if (getF64(out, (a * 3 + r) * 5 + i) != e) bad++;
      if (getF32(out32, (a * 3 + r) * 5 + i) != e32) bad++;
    }
    expect(bad).toBe(0);
    free(out); free(src); free(idx); free(out32); free(src32);
  });
  test("one_hot", () => {
    let idx = allocN(4, 8), o = allocN(12, 4), o8 = allocN(12, 8);
    let ids: StaticArray<i64> = [2, 0, 1, 2];
    for (let j = 0; j < 4; j++) setI64(idx, j, ids[j]);
    for (let i = 0; i < 12; i++) { setF32(o, i, 7); setF64(o8, i, 7); }
    one_hot_f32(o, idx, 4, 3);
    one_hot_f64(o8, idx, 4, 3);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 3; c++) {
      expect(getF32(o, r * 3 + c)).toBe(c == <i32>ids[r] ? <f32>1 : <f32>0);
      expect(getF64(o8, r * 3 + c)).toBe(c == <i32>ids[r] ? 1.0 : 0.0);
    }
    free(idx); free(o); free(o8);
  });
});
