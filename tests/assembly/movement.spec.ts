import {
  copy_b1, copy_b4, copy_b8, index_select_b4, index_select_b8, index_add_f32, index_add_f64,
  one_hot_f32, one_hot_f64, free,
} from "../../assembly/index";
import { allocN, allocT, get, set, isF32, setMeta } from "./helpers";

describe("strided copy", () => {
  test("copy_b4: transpose [3,5] -> contiguous", () => {
    let x = allocN(15, 4), o = allocN(15, 4);
    for (let i = 0; i < 15; i++) set<f32>(x, i, <f32>i);
    // logical shape [5,3] of x^T: out strides [3,1], x strides [1,5]
    setMeta([5, 3, 3, 1, 1, 5]);
    copy_b4(o, x, 2);
    for (let r = 0; r < 5; r++) for (let c = 0; c < 3; c++) expect(get<f32>(o, r * 3 + c)).toBe(<f32>(c * 5 + r));
    free(x); free(o);
  });
  test("copy_b8: contiguous fast path and strided destination (cat into a slice)", () => {
    let x = allocN(8, 8), o = allocN(20, 8);
    for (let i = 0; i < 8; i++) set<f64>(x, i, <f64>i + 0.5);
    for (let i = 0; i < 20; i++) set<f64>(o, i, -1);
    // write x [2,4] into columns 1..4 of a [2,5] buffer at offset 1: out strides [5,1]
    setMeta([2, 4, 5, 1, 4, 1]);
    copy_b8(o + 8, x, 2);
    for (let r = 0; r < 2; r++) {
      expect(get<f64>(o, r * 5)).toBe(-1.0); // untouched gap column
      for (let c = 0; c < 4; c++) expect(get<f64>(o, r * 5 + 1 + c)).toBe(<f64>(r * 4 + c) + 0.5);
    }
    // non-unit inner strides on both sides: every other element
    let y = allocN(10, 8);
    for (let i = 0; i < 10; i++) set<f64>(y, i, 0);
    setMeta([4, 2, 2]);
    copy_b8(y, x, 1);
    for (let i = 0; i < 4; i++) { expect(get<f64>(y, 2 * i)).toBe(get<f64>(x, 2 * i)); expect(get<f64>(y, 2 * i + 1)).toBe(0); }
    free(x); free(o); free(y);
  });
  test("copy_b1: broadcast source (stride 0), 3-d, and ndim 0", () => {
    let x = allocN(3, 1), o = allocN(24, 1);
    set<u8>(x, 0, 1); set<u8>(x, 1, 0); set<u8>(x, 2, 1);
    // expand [1,3,1] -> [2,3,4]
    setMeta([2, 3, 4, 12, 4, 1, 0, 1, 0]);
    copy_b1(o, x, 3);
    for (let i = 0; i < 24; i++) expect(get<u8>(o, i)).toBe(get<u8>(x, (i / 4) % 3));
    setMeta([]);
    set<u8>(o, 0, 9);
    copy_b1(o, x + 1, 0);
    expect(get<u8>(o, 0)).toBe(0);
    free(x); free(o);
  });
  test("copy_b4 general 4-d permutation", () => {
    // x contiguous [2,3,4,5]; out = x.permute(3,1,0,2) contiguous [5,3,2,4]
    let x = allocN(120, 4), o = allocN(120, 4);
    for (let i = 0; i < 120; i++) set<i32>(x, i, i);
    // out shape [5,3,2,4], out strides [24,8,4,1]; x strides of permuted dims: [1,20,60,5]
    setMeta([5, 3, 2, 4, 24, 8, 4, 1, 1, 20, 60, 5]);
    copy_b4(o, x, 4);
    let bad = 0;
    for (let a = 0; a < 5; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) for (let d = 0; d < 4; d++) {
      if (get<i32>(o, a * 24 + b * 8 + c * 4 + d) != c * 60 + b * 20 + d * 5 + a) bad++;
    }
    expect(bad).toBe(0);
    free(x); free(o);
  });
});

type Select = (o: usize, x: usize, idx: usize, outer: i32, m: i32, inner: i32, dimSize: i32) => void;
/** index_select moves bytes: the b4 kernel serves f32, the b8 kernel f64. */
function selectK<T>(): Select { return isF32<T>() ? index_select_b4 : index_select_b8; }

/** Writes the i64 indices into a new block. */
function indices(ids: StaticArray<i64>): usize {
  let idx = allocT<i64>(ids.length);
  for (let j = 0; j < ids.length; j++) set<i64>(idx, j, ids[j]);
  return idx;
}

function indexSelect<T>(): void {
  // x [2, 4, 3], x[i] = i
  let x = allocT<T>(24);
  for (let i = 0; i < 24; i++) set<T>(x, i, <T>i);
  let ids: StaticArray<i64> = [3, 0, 0, 2, 1];
  let idx = indices(ids);
  let o = allocT<T>(30);
  selectK<T>()(o, x, idx, 2, 5, 3, 4);
  let bad = 0;
  for (let a = 0; a < 2; a++) for (let j = 0; j < 5; j++) for (let i = 0; i < 3; i++) {
    let src = (a * 4 + <i32>ids[j]) * 3 + i;
    if (get<T>(o, (a * 5 + j) * 3 + i) != <T>src) bad++;
  }
  // inner == 1 (embedding-like rows selection on a [6] vector)
  selectK<T>()(o, x, idx, 1, 5, 1, 6);
  for (let j = 0; j < 5; j++) if (get<T>(o, j) != <T>ids[j]) bad++;
  expect(bad).toBe(0);
  free(x); free(idx); free(o);
}
function indexAdd<T>(): void {
  // out [2, 3, 5] pre-filled with 1; src [2, 4, 5]; idx = [2, 0, 2, 1]
  let out = allocT<T>(30), src = allocT<T>(40);
  for (let i = 0; i < 30; i++) set<T>(out, i, <T>1);
  for (let i = 0; i < 40; i++) set<T>(src, i, <T>i * <T>0.1);
  let ids: StaticArray<i64> = [2, 0, 2, 1];
  let idx = indices(ids);
  if (isF32<T>()) index_add_f32(out, src, idx, 2, 4, 5, 3); else index_add_f64(out, src, idx, 2, 4, 5, 3);
  let bad = 0;
  for (let a = 0; a < 2; a++) for (let r = 0; r < 3; r++) for (let i = 0; i < 5; i++) {
    let e: T = <T>1;
    for (let j = 0; j < 4; j++) if (<i32>ids[j] == r) e += get<T>(src, (a * 4 + j) * 5 + i);
    if (get<T>(out, (a * 3 + r) * 5 + i) != e) bad++;
  }
  expect(bad).toBe(0);
  free(out); free(src); free(idx);
}
function oneHot<T>(): void {
  let ids: StaticArray<i64> = [2, 0, 1, 2];
  let idx = indices(ids);
  let o = allocT<T>(12);
  for (let i = 0; i < 12; i++) set<T>(o, i, <T>7);
  if (isF32<T>()) one_hot_f32(o, idx, 4, 3); else one_hot_f64(o, idx, 4, 3);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 3; c++) {
    expect(get<T>(o, r * 3 + c)).toBe(c == <i32>ids[r] ? <T>1 : <T>0);
  }
  free(idx); free(o);
}

describe("index_select / index_add / one_hot", () => {
  test("index_select_b4 and _b8 along the middle axis (inner 1 and > 1)", () => { indexSelect<f32>(); indexSelect<f64>(); });
  test("index_add accumulates duplicates in ascending j order", () => { indexAdd<f32>(); indexAdd<f64>(); });
  test("one_hot", () => { oneHot<f32>(); oneHot<f64>(); });
});
