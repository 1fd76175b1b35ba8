// Optimizer kernels (torch.optim): one fused pass per optimizer step over one parameter, in the
// operation order of PyTorch 1.13's single-tensor code (torch/optim/*.py, `_single_tensor_*`), so
// each step reads and writes every element once. Every tensor op of PyTorch's code becomes one
// IEEE operation here, in the same order and the same dtype: a Python float that PyTorch combines
// with a float32 tensor is rounded to float32 first (as ATen does with a wrapped scalar), and the
// scalar coefficients (bias corrections, the learning rate of the step) are computed in float64 as
// Python computes them. No FMA: `a + alpha * b` is a multiply, then an add.
//
// Pointers are byte addresses of contiguous buffers of n elements of T; p is updated in place and
// so is the state. `maximize`, `amsgrad`... are 0/1. Scalars are f64.

import { ld, st, boff, lanes } from "./math";

// @ts-ignore: decorator
@inline function pw(x: f64, y: f64): f64 {
  return Math.pow(x, y);
}

// ---- SGD -----------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function sgdT<T>(
  p: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64, wd: f64,
  nesterov: i32, maximize: i32, first: i32,
): void {
  let tmom = <T>momentum, tdamp = <T>(1.0 - dampening), twd = <T>wd, tnlr = <T>(-lr);
  let i = 0;
  const L = lanes<T>();
  // L lanes at a time: per lane the same IEEE operations, in the same order, as the scalar loop.
  let vmom = v128.splat<T>(tmom), vdamp = v128.splat<T>(tdamp), vwd = v128.splat<T>(twd), vnlr = v128.splat<T>(tnlr);
  for (; i + L <= n; i += L) {
    let o = boff<T>(i);
    let pv = v128.load(p + o);
    let d = v128.load(g + o);
    if (maximize) d = v128.neg<T>(d);
    if (wd != 0) d = v128.add<T>(d, v128.mul<T>(vwd, pv));
    if (momentum != 0) {
      let b = d;
      if (!first) b = v128.add<T>(v128.mul<T>(v128.load(buf + o), vmom), v128.mul<T>(vdamp, d));
      v128.store(buf + o, b);
      if (nesterov) d = v128.add<T>(d, v128.mul<T>(vmom, b));
      else d = b;
    }
    v128.store(p + o, v128.add<T>(pv, v128.mul<T>(vnlr, d)));
  }
  for (; i < n; i++) {
    let pv = ld<T>(p, i);
    let d = ld<T>(g, i);
    if (maximize) d = -d;
    if (wd != 0) d = d + twd * pv;
    if (momentum != 0) {
      let b: T;
      if (first) b = d;
      else b = ld<T>(buf, i) * tmom + tdamp * d;
      st<T>(buf, i, b);
      if (nesterov) d = d + tmom * b;
      else d = b;
    }
    st<T>(p, i, pv + tnlr * d);
  }
}
export function sgd_f32(p: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64, wd: f64, nesterov: i32, maximize: i32, first: i32): void {
  sgdT<f32>(p, g, buf, n, lr, momentum, dampening, wd, nesterov, maximize, first);
}
export function sgd_f64(p: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64, wd: f64, nesterov: i32, maximize: i32, first: i32): void {
  sgdT<f64>(p, g, buf, n, lr, momentum, dampening, wd, nesterov, maximize, first);
}

// A run of the elements for one thread of the pool (ts/core/threads.ts): the same arguments, the
// f64 scalars (lr, momentum, dampening, wd) read from `s` (a helper receives only i32 words). Every
// element is computed alone, so any split gives the same bits.
export function sgd_part_f32(p: usize, g: usize, buf: usize, n: i32, s: usize, nesterov: i32, maximize: i32, first: i32): void {
  sgdT<f32>(p, g, buf, n, load<f64>(s), load<f64>(s, 8), load<f64>(s, 16), load<f64>(s, 24), nesterov, maximize, first);
}
export function sgd_part_f64(p: usize, g: usize, buf: usize, n: i32, s: usize, nesterov: i32, maximize: i32, first: i32): void {
  sgdT<f64>(p, g, buf, n, load<f64>(s), load<f64>(s, 8), load<f64>(s, 16), load<f64>(s, 24), nesterov, maximize, first);
}

// ---- Adam / AdamW ----------------------------------------------------------------------------------
// decoupled = 0: Adam (grad += wd * p); 1: AdamW (p *= 1 - lr * wd first). vmax is used when amsgrad.

// @ts-ignore: decorator
@inline function adamT<T>(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
  wd: f64, step: f64, amsgrad: i32, maximize: i32, decoupled: i32,
): void {
  let bc1 = 1.0 - pw(beta1, step);
  let bc2 = 1.0 - pw(beta2, step);
  let stepSize = lr / bc1;
  let bc2s = Math.sqrt(bc2);
  let tb1 = <T>beta1, tb1c = <T>(1.0 - beta1), tb2 = <T>beta2, tb2c = <T>(1.0 - beta2);
  let twd = <T>wd, tdecay = <T>(1.0 - lr * wd), tbc2s = <T>bc2s, teps = <T>eps, tns = <T>(-stepSize);
  let i = 0;
  const L = lanes<T>();
  if (!amsgrad && !maximize) {
    // The common case, L lanes at a time (the same IEEE operations per lane).
    let vb1 = v128.splat<T>(tb1), vb1c = v128.splat<T>(tb1c), vb2 = v128.splat<T>(tb2), vb2c = v128.splat<T>(tb2c);
    let vwd = v128.splat<T>(twd), vdecay = v128.splat<T>(tdecay), vbc2s = v128.splat<T>(tbc2s);
    let veps = v128.splat<T>(teps), vns = v128.splat<T>(tns);
    for (; i + L <= n; i += L) {
      let o = boff<T>(i);
      let pv = v128.load(p + o);
      let gv = v128.load(g + o);
      if (wd != 0) {
        if (decoupled) pv = v128.mul<T>(pv, vdecay);
        else gv = v128.add<T>(gv, v128.mul<T>(vwd, pv));
      }
      let mv = v128.add<T>(v128.mul<T>(v128.load(m + o), vb1), v128.mul<T>(vb1c, gv));
      let vv = v128.add<T>(v128.mul<T>(v128.load(v + o), vb2), v128.mul<T>(v128.mul<T>(vb2c, gv), gv));
      v128.store(m + o, mv);
      v128.store(v + o, vv);
      let den = v128.add<T>(v128.div<T>(v128.sqrt<T>(vv), vbc2s), veps);
      v128.store(p + o, v128.add<T>(pv, v128.div<T>(v128.mul<T>(vns, mv), den)));
    }
  }
  for (; i < n; i++) {
    let pv = ld<T>(p, i);
    let gv = ld<T>(g, i);
    if (maximize) gv = -gv;
    if (wd != 0) {
      if (decoupled) pv = pv * tdecay;
      else gv = gv + twd * pv;
    }
    let mv = ld<T>(m, i) * tb1 + tb1c * gv;
    let vv = ld<T>(v, i) * tb2 + (tb2c * gv) * gv;
    st<T>(m, i, mv);
    st<T>(v, i, vv);
    let s = vv;
    if (amsgrad) {
      s = max<T>(ld<T>(vmax, i), vv);
      st<T>(vmax, i, s);
    }
    let den = sqrt<T>(s) / tbc2s + teps;
    st<T>(p, i, pv + (tns * mv) / den);
  }
}
export function adam_f32(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, step: f64, amsgrad: i32, maximize: i32, decoupled: i32): void {
  adamT<f32>(p, g, m, v, vmax, n, lr, beta1, beta2, eps, wd, step, amsgrad, maximize, decoupled);
}
export function adam_f64(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, step: f64, amsgrad: i32, maximize: i32, decoupled: i32): void {
  adamT<f64>(p, g, m, v, vmax, n, lr, beta1, beta2, eps, wd, step, amsgrad, maximize, decoupled);
}

// A run of the elements for one thread of the pool, as sgd_part: scalars lr, beta1, beta2, eps, wd,
// step from `s`.
export function adam_part_f32(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, s: usize, amsgrad: i32, maximize: i32, decoupled: i32): void {
  adamT<f32>(p, g, m, v, vmax, n, load<f64>(s), load<f64>(s, 8), load<f64>(s, 16), load<f64>(s, 24), load<f64>(s, 32), load<f64>(s, 40), amsgrad, maximize, decoupled);
}
export function adam_part_f64(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, s: usize, amsgrad: i32, maximize: i32, decoupled: i32): void {
  adamT<f64>(p, g, m, v, vmax, n, load<f64>(s), load<f64>(s, 8), load<f64>(s, 16), load<f64>(s, 24), load<f64>(s, 32), load<f64>(s, 40), amsgrad, maximize, decoupled);
}

// ---- RMSprop ---------------------------------------------------------------------------------------
// gavg is used when centered, buf when momentum > 0.

// @ts-ignore: decorator
@inline function rmspropT<T>(
  p: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f64, alpha: f64, eps: f64, wd: f64,
  momentum: f64, centered: i32, maximize: i32,
): void {
  let ta = <T>alpha, tac = <T>(1.0 - alpha), twd = <T>wd, teps = <T>eps, tmom = <T>momentum, tnlr = <T>(-lr);
  for (let i = 0; i < n; i++) {
    let pv = ld<T>(p, i);
    let gv = ld<T>(g, i);
    if (maximize) gv = -gv;
    if (wd != 0) gv = gv + twd * pv;
    let s = ld<T>(sq, i) * ta + (tac * gv) * gv;
    st<T>(sq, i, s);
    let avg: T;
    if (centered) {
      let ga = ld<T>(gavg, i) * ta + tac * gv;
      st<T>(gavg, i, ga);
      avg = sqrt<T>(s + (<T>-1 * ga) * ga);
    } else {
      avg = sqrt<T>(s);
    }
    avg = avg + teps;
    if (momentum > 0) {
      let b = ld<T>(buf, i) * tmom + (<T>1 * gv) / avg;
      st<T>(buf, i, b);
      st<T>(p, i, pv + tnlr * b);
    } else {
      st<T>(p, i, pv + (tnlr * gv) / avg);
    }
  }
}
export function rmsprop_f32(p: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f64, alpha: f64, eps: f64, wd: f64, momentum: f64, centered: i32, maximize: i32): void {
  rmspropT<f32>(p, g, sq, gavg, buf, n, lr, alpha, eps, wd, momentum, centered, maximize);
}
export function rmsprop_f64(p: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f64, alpha: f64, eps: f64, wd: f64, momentum: f64, centered: i32, maximize: i32): void {
  rmspropT<f64>(p, g, sq, gavg, buf, n, lr, alpha, eps, wd, momentum, centered, maximize);
}

// ---- Adagrad ---------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function adagradT<T>(
  p: usize, g: usize, sum: usize, n: i32, lr: f64, wd: f64, lrDecay: f64, eps: f64, step: f64, maximize: i32,
): void {
  let clr = lr / (1.0 + (step - 1.0) * lrDecay);
  let twd = <T>wd, teps = <T>eps, tnclr = <T>(-clr);
  for (let i = 0; i < n; i++) {
    let pv = ld<T>(p, i);
    let gv = ld<T>(g, i);
    if (maximize) gv = -gv;
    if (wd != 0) gv = gv + twd * pv;
    let s = ld<T>(sum, i) + (<T>1 * gv) * gv;
    st<T>(sum, i, s);
    let std = sqrt<T>(s) + teps;
    st<T>(p, i, pv + (tnclr * gv) / std);
  }
}
export function adagrad_f32(p: usize, g: usize, sum: usize, n: i32, lr: f64, wd: f64, lrDecay: f64, eps: f64, step: f64, maximize: i32): void {
  adagradT<f32>(p, g, sum, n, lr, wd, lrDecay, eps, step, maximize);
}
export function adagrad_f64(p: usize, g: usize, sum: usize, n: i32, lr: f64, wd: f64, lrDecay: f64, eps: f64, step: f64, maximize: i32): void {
  adagradT<f64>(p, g, sum, n, lr, wd, lrDecay, eps, step, maximize);
}

// ---- Adadelta --------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function adadeltaT<T>(
  p: usize, g: usize, sq: usize, acc: usize, n: i32, lr: f64, rho: f64, eps: f64, wd: f64, maximize: i32,
): void {
  let tr = <T>rho, trc = <T>(1.0 - rho), teps = <T>eps, twd = <T>wd, tnlr = <T>(-lr);
  for (let i = 0; i < n; i++) {
    let pv = ld<T>(p, i);
    let gv = ld<T>(g, i);
    if (maximize) gv = -gv;
    if (wd != 0) gv = gv + twd * pv;
    let s = ld<T>(sq, i) * tr + (trc * gv) * gv;
    st<T>(sq, i, s);
    let std = sqrt<T>(s + teps);
    let a = ld<T>(acc, i);
    let delta = (sqrt<T>(a + teps) / std) * gv;
    st<T>(acc, i, a * tr + (trc * delta) * delta);
    st<T>(p, i, pv + tnlr * delta);
  }
}
export function adadelta_f32(p: usize, g: usize, sq: usize, acc: usize, n: i32, lr: f64, rho: f64, eps: f64, wd: f64, maximize: i32): void {
  adadeltaT<f32>(p, g, sq, acc, n, lr, rho, eps, wd, maximize);
}
export function adadelta_f64(p: usize, g: usize, sq: usize, acc: usize, n: i32, lr: f64, rho: f64, eps: f64, wd: f64, maximize: i32): void {
  adadeltaT<f64>(p, g, sq, acc, n, lr, rho, eps, wd, maximize);
}

// ---- Adamax ----------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function adamaxT<T>(
  p: usize, g: usize, m: usize, u: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64,
  step: f64, maximize: i32,
): void {
  let clr = lr / (1.0 - pw(beta1, step));
  let tb1 = <T>beta1, tb1c = <T>(1.0 - beta1), tb2 = <T>beta2, teps = <T>eps, twd = <T>wd, tnclr = <T>(-clr);
  for (let i = 0; i < n; i++) {
    let pv = ld<T>(p, i);
    let gv = ld<T>(g, i);
    if (maximize) gv = -gv;
    if (wd != 0) gv = gv + twd * pv;
    let mv = ld<T>(m, i) * tb1 + tb1c * gv;
    st<T>(m, i, mv);
    // amax over [exp_inf * beta2, |grad| + eps]: NaN propagates.
    let uv = max<T>(ld<T>(u, i) * tb2, abs<T>(gv) + teps);
    st<T>(u, i, uv);
    st<T>(p, i, pv + (tnclr * mv) / uv);
  }
}
export function adamax_f32(p: usize, g: usize, m: usize, u: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, step: f64, maximize: i32): void {
  adamaxT<f32>(p, g, m, u, n, lr, beta1, beta2, eps, wd, step, maximize);
}
export function adamax_f64(p: usize, g: usize, m: usize, u: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, step: f64, maximize: i32): void {
  adamaxT<f64>(p, g, m, u, n, lr, beta1, beta2, eps, wd, step, maximize);
}

// ---- NAdam -----------------------------------------------------------------------------------------
// muProd points at the state's 0-d float32 `mu_product` (PyTorch keeps it as a float32 tensor, so
// its products round to float32 whatever the parameter's dtype); updated here.

// @ts-ignore: decorator
@inline function nadamT<T>(
  p: usize, g: usize, m: usize, v: usize, muProd: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
  wd: f64, momentumDecay: f64, step: f64,
): void {
  let bc2 = 1.0 - pw(beta2, step);
  let mu = beta1 * (1.0 - 0.5 * pw(0.96, step * momentumDecay));
  let muNext = beta1 * (1.0 - 0.5 * pw(0.96, (step + 1.0) * momentumDecay));
  let mp = load<f32>(muProd) * <f32>mu;
  store<f32>(muProd, mp);
  let mpNext = (mp * <f32>mu) * <f32>muNext;
  let c1 = (-lr * (1.0 - mu)) / (1.0 - <f64>mp);
  let c2 = (-lr * muNext) / (1.0 - <f64>mpNext);
  let tb1 = <T>beta1, tb1c = <T>(1.0 - beta1), tb2 = <T>beta2, tb2c = <T>(1.0 - beta2);
  let twd = <T>wd, tbc2 = <T>bc2, teps = <T>eps, tc1 = <T>c1, tc2 = <T>c2;
  for (let i = 0; i < n; i++) {
    let pv = ld<T>(p, i);
    let gv = ld<T>(g, i);
    if (wd != 0) gv = gv + twd * pv;
    let mv = ld<T>(m, i) * tb1 + tb1c * gv;
    let vv = ld<T>(v, i) * tb2 + (tb2c * gv) * gv;
    st<T>(m, i, mv);
    st<T>(v, i, vv);
    let den = sqrt<T>(vv / tbc2) + teps;
    pv = pv + (tc1 * gv) / den;
    st<T>(p, i, pv + (tc2 * mv) / den);
  }
}
export function nadam_f32(p: usize, g: usize, m: usize, v: usize, muProd: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, momentumDecay: f64, step: f64): void {
  nadamT<f32>(p, g, m, v, muProd, n, lr, beta1, beta2, eps, wd, momentumDecay, step);
}
export function nadam_f64(p: usize, g: usize, m: usize, v: usize, muProd: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, momentumDecay: f64, step: f64): void {
  nadamT<f64>(p, g, m, v, muProd, n, lr, beta1, beta2, eps, wd, momentumDecay, step);
}

// ---- RAdam -----------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function radamT<T>(
  p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, step: f64,
): void {
  let bc1 = 1.0 - pw(beta1, step);
  let bc2 = 1.0 - pw(beta2, step);
  let rhoInf = 2.0 / (1.0 - beta2) - 1.0;
  let rhoT = rhoInf - ((2.0 * step) * pw(beta2, step)) / bc2;
  let rectified = rhoT > 5.0;
  let rect = rectified ? Math.sqrt((((rhoT - 4.0) * (rhoT - 2.0)) * rhoInf) / (((rhoInf - 4.0) * (rhoInf - 2.0)) * rhoT)) : 0.0;
  let tb1 = <T>beta1, tb1c = <T>(1.0 - beta1), tb2 = <T>beta2, tb2c = <T>(1.0 - beta2), twd = <T>wd;
  let tbc1 = <T>bc1, tlr = <T>lr, teps = <T>eps, tbc2s = <T>Math.sqrt(bc2), trect = <T>rect;
  for (let i = 0; i < n; i++) {
    let pv = ld<T>(p, i);
    let gv = ld<T>(g, i);
    if (wd != 0) gv = gv + twd * pv;
    let mv = ld<T>(m, i) * tb1 + tb1c * gv;
    let vv = ld<T>(v, i) * tb2 + (tb2c * gv) * gv;
    st<T>(m, i, mv);
    st<T>(v, i, vv);
    let bcm = mv / tbc1;
    if (rectified) {
      // python_float / tensor is tensor.reciprocal() * python_float
      let adaptive = (<T>1 / (sqrt<T>(vv) + teps)) * tbc2s;
      st<T>(p, i, pv + <T>-1 * (((bcm * tlr) * adaptive) * trect));
    } else {
      st<T>(p, i, pv + <T>-1 * (bcm * tlr));
    }
  }
}
export function radam_f32(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, step: f64): void {
  radamT<f32>(p, g, m, v, n, lr, beta1, beta2, eps, wd, step);
}
export function radam_f64(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, step: f64): void {
  radamT<f64>(p, g, m, v, n, lr, beta1, beta2, eps, wd, step);
}
