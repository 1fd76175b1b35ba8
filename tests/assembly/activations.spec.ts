import {
  erf_f32, erf_f64, gelu_f32, gelu_f64, gelu_tanh_f32, gelu_tanh_f64, silu_f32, silu_f64,
  elu_f32, elu_f64, softplus_f32, softplus_f64, hardtanh_f32, hardtanh_f64, free,
} from "../../assembly/index";
import { allocT, get, set, same, isF32, mexp, mtanh, unaryBoth } from "./helpers";

// The activation kernels of assembly/activations.ts on every tail length, out of place and in
// place, against scalar references written here; erf against known values.


class Silu {
  k<T>(o: usize, x: usize, n: i32): void { if (isF32<T>()) silu_f32(o, x, n); else silu_f64(o, x, n); }
  r<T>(x: T): T { return x / (<T>1 + mexp<T>(-x)); }
}
class Elu {
  k<T>(o: usize, x: usize, n: i32): void { if (isF32<T>()) elu_f32(o, x, n, 0.5); else elu_f64(o, x, n, 0.5); }
  r<T>(x: T): T { return x > <T>0 ? x : <T>0.5 * (mexp<T>(x) - <T>1); }
}
class Softplus {
  k<T>(o: usize, x: usize, n: i32): void { if (isF32<T>()) softplus_f32(o, x, n, 2, 3); else softplus_f64(o, x, n, 2, 3); }
  r<T>(x: T): T {
    if (x * <T>2 > <T>3) return x;
    let e = mexp<T>(x * <T>2);
    return (isF32<T>() ? <T>Mathf.log1p(<f32>e) : <T>Math.log1p(<f64>e)) / <T>2;
  }
}
class Hardtanh {
  k<T>(o: usize, x: usize, n: i32): void { if (isF32<T>()) hardtanh_f32(o, x, n, -0.5, 0.7); else hardtanh_f64(o, x, n, -0.5, 0.7); }
  r<T>(x: T): T { return x < <T>-0.5 ? <T>-0.5 : x > <T>0.7 ? <T>0.7 : x; }
}
class GeluTanh {
  k<T>(o: usize, x: usize, n: i32): void { if (isF32<T>()) gelu_tanh_f32(o, x, n); else gelu_tanh_f64(o, x, n); }
  r<T>(x: T): T { return <T>0.5 * x * (<T>1 + mtanh<T>(<T>0.79788456080286535588 * (x + <T>0.044715 * x * x * x))); }
}

describe("activation kernels", () => {
  test("silu, elu, softplus, hardtanh, gelu (tanh) equal their scalar forms on every tail", () => {
    unaryBoth(new Silu(), -30, 30);
    unaryBoth(new Elu(), -5, 5);
    unaryBoth(new Softplus(), -5, 5);
    unaryBoth(new Hardtanh(), -2, 2);
    unaryBoth(new GeluTanh(), -6, 6);
  });
  test("erf and gelu: known values, odd symmetry, limits", () => {
    let x = allocT<f64>(8);
    let y = allocT<f64>(8);
    let xs: StaticArray<f64> = [0.5, 1.0, 2.0, 3.0, -0.5, 0.1, 6.5, -30.0];
    let want: StaticArray<f64> = [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014,
      -0.5204998778130465, 0.1124629160182849, 1.0, -1.0];
    for (let i = 0; i < 8; i++) set<f64>(x, i, xs[i]);
    erf_f64(y, x, 8);
    for (let i = 0; i < 8; i++) expect(Math.abs(get<f64>(y, i) - want[i])).toBeLessThanOrEqual(2.3e-16);
    let gx: StaticArray<f64> = [1.0, -1.0, 2.0, 0.5];
    let gw: StaticArray<f64> = [0.8413447460685429, -0.15865525393145707, 1.9544997361036416, 0.34573123063700656];
    for (let i = 0; i < 4; i++) set<f64>(x, i, gx[i]);
    gelu_f64(y, x, 4);
    for (let i = 0; i < 4; i++) expect(Math.abs(get<f64>(y, i) - gw[i])).toBeLessThanOrEqual(4.5e-16);
    let xf = allocT<f32>(8);
    let yf = allocT<f32>(8);
    for (let i = 0; i < 8; i++) set<f32>(xf, i, <f32>xs[i]);
    erf_f32(yf, xf, 8);
    for (let i = 0; i < 8; i++) expect(get<f32>(yf, i)).toBe(<f32>want[i]);
    free(x); free(y); free(xf); free(yf);
  });
});
