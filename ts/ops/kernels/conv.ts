// Kernel calls of convolution and pooling (assembly/conv.ts): each takes contiguous [N, C, H, W]
// operands and the geometry, written to the metadata area.
import type { Tensor } from '../../tensor.js';
import { kernelFor, writeMeta } from './call.js';
import type { KernelFn } from '../../core/wasm.js';
import { contiguousOf, empty } from './memory.js';
import { convParts } from '../../core/threads.js';

/** A 2-D window geometry over [N, C, H, W] giving [oH, oW] (dilation 1 for the pools). */
export interface Geometry {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly k: readonly [number, number];
  readonly s: readonly [number, number];
  readonly p: readonly [number, number];
  readonly d: readonly [number, number];
  readonly o: readonly [number, number];
  /** avg_pool2d's count_include_pad. */
  readonly flag?: boolean;
  /** avg_pool2d's divisor_override (absent: none). */
  readonly div?: number;
}

function geometry(g: Geometry): void {
  writeMeta([g.N, g.C, g.H, g.W, ...g.k, ...g.s, ...g.p, ...g.d, ...g.o, g.flag ? 1 : 0, g.div ?? 0]);
}

/** Runs `name` with (out, ...operands made contiguous) and returns out. */
function run(
  name:
    | 'im2col'
    | 'col2im'
    | 'avg_pool2d'
    | 'avg_pool2d_back'
    | 'adaptive_avg_pool2d'
    | 'adaptive_avg_pool2d_back'
    | 'max_pool2d_back'
    | 'max_pool2d_gather',
  g: Geometry,
  shape: readonly number[],
  ...xs: Tensor[]
): Tensor {
  const dtype = xs[0].dtype;
  const out = empty(shape, dtype);
  const cs = xs.map(contiguousOf);
  if (out.numel() > 0) {
    geometry(g);
    kernelFor(name, dtype)(out._ptr(), ...cs.map((c) => c._ptr(name)));
  }
  cs.forEach((c, i) => {
    if (c !== xs[i]) c.dispose();
  });
  return out;
}

const L = (g: Geometry): number => g.o[0] * g.o[1];

/** x [N, C, H, W] -> columns [N, C*kH*kW, oH*oW]. */
export const im2colK = (x: Tensor, g: Geometry): Tensor => run('im2col', g, [g.N, g.C * g.k[0] * g.k[1], L(g)], x);
/** columns [N, C*kH*kW, oH*oW] -> [N, C, H, W], overlapping entries added (im2col's adjoint). */
export const col2imK = (cols: Tensor, g: Geometry): Tensor => run('col2im', g, [g.N, g.C, g.H, g.W], cols);
export const avgPoolK = (x: Tensor, g: Geometry): Tensor => run('avg_pool2d', g, [g.N, g.C, ...g.o], x);
export const avgPoolBackK = (gy: Tensor, g: Geometry): Tensor => run('avg_pool2d_back', g, [g.N, g.C, g.H, g.W], gy);
export const adaptiveAvgK = (x: Tensor, g: Geometry): Tensor => run('adaptive_avg_pool2d', g, [g.N, g.C, ...g.o], x);
export const adaptiveAvgBackK = (gy: Tensor, g: Geometry): Tensor => run('adaptive_avg_pool2d_back', g, [g.N, g.C, g.H, g.W], gy);
/** max_pool2d's adjoint: gy scattered to the indices' positions. */
export const maxPoolBackK = (gy: Tensor, idx: Tensor, g: Geometry): Tensor => run('max_pool2d_back', g, [g.N, g.C, g.H, g.W], gy, idx);
/** x read at the indices (max_pool2d with fixed indices). */
export const maxPoolGatherK = (x: Tensor, idx: Tensor, g: Geometry): Tensor => run('max_pool2d_gather', g, [g.N, g.C, ...g.o], x, idx);

/** max_pool2d: values and int64 indices (within each plane). */
export function maxPoolK(x: Tensor, g: Geometry): [Tensor, Tensor] {
  const out = empty([g.N, g.C, ...g.o], x.dtype);
  const idx = empty([g.N, g.C, ...g.o], 'int64');
  const xc = contiguousOf(x);
  if (out.numel() > 0) {
    geometry(g);
    kernelFor('max_pool2d', x.dtype)(out._ptr(), idx._ptr(), xc._ptr('max_pool2d'));
  }
  if (xc !== x) xc.dispose();
  return [out, idx];
}

/**
 * The convolution of x [N, C, H, W] (groups 1) by w [cout, C*kH*kW] (any contiguous shape): [N,
 * cout, oH*oW], one sample at a time: its columns (im2col into one reused [C*kH*kW, oH*oW] buffer,
 * small enough to stay in cache) times w, written straight into the sample's slice of the result.
 * Each sample's product is the one the batched GEMM computes (same K chunks, same order): the
 * same bits as im2colK followed by a broadcast matmul, without the [N, C*kH*kW, oH*oW] columns.
 */
export function convGemmK(x: Tensor, w: Tensor, g: Geometry, cout: number): Tensor {
  const l = L(g);
  const ck = g.C * g.k[0] * g.k[1];
  return perSample(x, w, g, [g.N, cout, l], 0, cout, (mm, po, pw, pc, n, es) =>
    mm(po + n * cout * l * es, pw, pc, 1, cout, ck, l, 0, ck, 1, 0, l, 1),
  );
}

/**
 * The loop both per-sample products share: each sample's columns (im2col into one reused
 * [C*kH*kW, oH*oW] buffer), then `product` with the matmul kernel, the result's, the other
 * operand's and the columns' addresses, the sample and the element size. With threads, whole
 * samples go to each thread (core/threads.ts convParts: `kind` names the product there).
 */
function perSample(
  x: Tensor,
  other: Tensor,
  g: Geometry,
  shape: number[],
  kind: 0 | 1,
  cout: number,
  product: (mm: KernelFn, po: number, pother: number, pc: number, n: number, es: number) => void,
): Tensor {
  const dtype = x.dtype;
  const out = empty(shape, dtype);
  if (out.numel() === 0) return out;
  const xc = contiguousOf(x);
  const oc = contiguousOf(other);
  const ck = g.C * g.k[0] * g.k[1];
  const one = { ...g, N: 1 };
  geometry(one);
  if (convParts(dtype === 'float64' ? 'f64' : 'f32', kind, g.N, out._ptr(), xc._ptr('im2col'), oc._ptr('matmul'), cout, ck, L(g))) {
    if (xc !== x) xc.dispose();
    if (oc !== other) oc.dispose();
    return out;
  }
  const cols = empty([ck, L(g)], dtype);
  const es = dtype === 'float64' ? 8 : 4;
  const im = kernelFor('im2col', dtype);
  const mm = kernelFor('matmul', dtype);
  const px = xc._ptr('im2col');
  const pother = oc._ptr('matmul');
  const pc = cols._ptr();
  const po = out._ptr();
  for (let n = 0; n < g.N; n++) {
    geometry(one);
    im(pc, px + n * g.C * g.H * g.W * es);
    product(mm, po, pother, pc, n, es);
  }
  cols.dispose();
  if (xc !== x) xc.dispose();
  if (oc !== other) oc.dispose();
  return out;
}

/**
 * Per-sample products of the weight gradient of a groups-1 convolution: out[n] = gy[n] [cout, L]
 * times cols(x[n])ᵀ [L, C*kH*kW], each sample's columns built into one reused buffer. The caller
 * sums over n: the same products (same order) as the batched gy @ colsᵀ, without the full columns.
 */
export function convGradWeightK(gy: Tensor, x: Tensor, g: Geometry, cout: number): Tensor {
  const l = L(g);
  const ck = g.C * g.k[0] * g.k[1];
  return perSample(x, gy, g, [g.N, cout, ck], 1, cout, (mm, po, pg, pc, n, es) =>
    mm(po + n * cout * ck * es, pg + n * cout * l * es, pc, 1, cout, l, ck, 0, l, 1, 0, 1, l),
  );
}

/**
 * The input gradient of a groups-1 convolution: per sample, wᵀ [C*kH*kW, cout] times gy[n] [cout,
 * L] into one reused column buffer, then col2im into the sample's planes: the same products and
 * the same scatter order as the batched product followed by col2im.
 */
export function convGradInputK(gy: Tensor, w: Tensor, g: Geometry, cout: number): Tensor {
  const dtype = gy.dtype;
  const ck = g.C * g.k[0] * g.k[1];
  const l = L(g);
  const out = empty([g.N, g.C, g.H, g.W], dtype);
  if (out.numel() === 0) return out;
  const wc = contiguousOf(w);
  const gc = contiguousOf(gy);
  const one = { ...g, N: 1 };
  geometry(one);
  if (convParts(dtype === 'float64' ? 'f64' : 'f32', 2, g.N, out._ptr(), gc._ptr('matmul'), wc._ptr('matmul'), cout, ck, l)) {
    if (wc !== w) wc.dispose();
    if (gc !== gy) gc.dispose();
    return out;
  }
  const cols = empty([ck, l], dtype);
  const es = dtype === 'float64' ? 8 : 4;
  const ci = kernelFor('col2im', dtype);
  const mm = kernelFor('matmul', dtype);
  const pw = wc._ptr('matmul');
  const pg = gc._ptr('matmul');
  const pc = cols._ptr();
  const po = out._ptr();
  for (let n = 0; n < g.N; n++) {
    mm(pc, pw, pg + n * cout * l * es, 1, ck, cout, l, 0, 1, ck, 0, l, 1);
    geometry(one);
    ci(po + n * g.C * g.H * g.W * es, pc);
  }
  cols.dispose();
  if (wc !== w) wc.dispose();
  if (gc !== gy) gc.dispose();
  return out;
}
