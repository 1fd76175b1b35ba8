import {
  cumsum_f32, cumsum_f64, prod_f64, argmax_f64, argmin_f32, index_check, gather_f64, scatter_add_f32, free,
} from "../../assembly/index";
import { allocN, get, set } from "./helpers";

describe("scans along the middle axis of [outer, n, inner]", () => {
  test("cumsum: running sums in f64, each prefix rounded once (f32 and f64)", () => {
    // [2, 3, 2]: cumsum over n = 3
    let x = allocN(12, 8), o = allocN(12, 8);
    for (let i = 0; i < 12; i++) set<f64>(x, i, <f64>i * 0.25 - 1);
    cumsum_f64(o, x, 2, 3, 2);
    for (let a = 0; a < 2; a++) for (let c = 0; c < 2; c++) {
      let s: f64 = 0;
      for (let k = 0; k < 3; k++) {
        s += get<f64>(x, a * 6 + k * 2 + c);
        expect(get<f64>(o, a * 6 + k * 2 + c)).toBe(s);
      }
    }
    // f32: 1e8 + 1 + 1 ... stays exact in the f64 accumulator
    let y = allocN(3, 4), p = allocN(3, 4);
    set<f32>(y, 0, 16777216); set<f32>(y, 1, 1); set<f32>(y, 2, 1);
    cumsum_f32(p, y, 1, 3, 1);
    expect(get<f32>(p, 2)).toBe(<f32>16777218);
    free(x); free(o); free(y); free(p);
  });
  test("prod over n, sequential from 1", () => {
    let x = allocN(6, 8), o = allocN(3, 8);
    for (let i = 0; i < 6; i++) set<f64>(x, i, <f64>(i + 1));
    prod_f64(o, x, 1, 2, 3); // [2, 3] over dim 0
    for (let c = 0; c < 3; c++) expect(get<f64>(o, c)).toBe(<f64>((c + 1) * (c + 4)));
    free(x); free(o);
  });
  test("argmax/argmin: the first of ties, NaN wins", () => {
    let x = allocN(8, 8), o = allocN(2, 8);
    let v: StaticArray<f64> = [1, 3, 3, 0, 2, NaN, 5, NaN];
    for (let i = 0; i < 8; i++) set<f64>(x, i, v[i]);
    argmax_f64(o, x, 2, 4, 1);
    expect(get<i64>(o, 0)).toBe(1);
    expect(get<i64>(o, 1)).toBe(1);
    let y = allocN(4, 4);
    set<f32>(y, 0, 2); set<f32>(y, 1, -1); set<f32>(y, 2, -1); set<f32>(y, 3, 0);
    argmin_f32(o, y, 1, 4, 1);
    expect(get<i64>(o, 0)).toBe(1);
    free(x); free(o); free(y);
  });
  test("index_check, gather and its adjoint scatter_add (repeats accumulate)", () => {
    let idx = allocN(4, 8);
    set<i64>(idx, 0, 2); set<i64>(idx, 1, 0); set<i64>(idx, 2, 2); set<i64>(idx, 3, 1);
    expect(index_check(idx, 4, 3)).toBe(-1);
    expect(index_check(idx, 4, 2)).toBe(0);
    set<i64>(idx, 3, -1);
    expect(index_check(idx, 4, 3)).toBe(3);
    set<i64>(idx, 3, 1);
    // x [3, 2] (rows over dim 0), index [2, 2]: out[j, c] = x[idx[j, c], c]
    let x = allocN(6, 8), o = allocN(4, 8);
    for (let i = 0; i < 6; i++) set<f64>(x, i, <f64>(10 * i));
    gather_f64(o, x, idx, 1, 3, 2, 2);
    expect(get<f64>(o, 0)).toBe(40); expect(get<f64>(o, 1)).toBe(10);
    expect(get<f64>(o, 2)).toBe(40); expect(get<f64>(o, 3)).toBe(30);
    let g = allocN(4, 4), s = allocN(6, 4);
    for (let i = 0; i < 4; i++) set<f32>(g, i, <f32>(i + 1));
    for (let i = 0; i < 6; i++) set<f32>(s, i, 99);
    scatter_add_f32(s, g, idx, 1, 3, 2, 2);
    let want: StaticArray<f32> = [0, 2, 0, 4, 4, 0];
    for (let i = 0; i < 6; i++) expect(get<f32>(s, i)).toBe(want[i]);
    free(idx); free(x); free(o); free(g); free(s);
  });
});
