// torch.nn.utils: gradient clipping (PyTorch 1.13's torch/nn/utils/clip_grad.py), as nn.utils.
// Every value is computed by the core's kernels (norm, abs, max, stack, add, reciprocal, mul,
// clamp), in PyTorch's order: total = norm of the stack of per-gradient norms (inf: max of the
// per-gradient max |g|), clip_coef = reciprocal(total + 1e-6) * max_norm, clamped to 1.0, then
// every gradient multiplied in place by it (also when it is 1).
import { isTensor } from '../brand.js';
import { noGrad } from '../grad_mode.js';
import { OPS } from '../ops/index.js';
import { withTemps } from '../scope.js';
import type { Tensor } from '../tensor.js';
import * as V from '../validate.js';

/** A tensor or an iterable of tensors (PyTorch's `_tensor_or_tensors`). */
export type TensorOrTensors = Tensor | Iterable<Tensor>;

/** Keyword arguments of `clipGradNorm_`: PyTorch's `norm_type`, `error_if_nonfinite` (camelCase). */
export interface ClipGradNormOptions {
  /** The p of the norm: a number or `'inf'` (PyTorch's `norm_type`, default 2). */
  normType?: number | 'inf';
  /** Throw when the total norm is NaN or infinite (PyTorch's `error_if_nonfinite`). */
  errorIfNonfinite?: boolean;
}
const CLIP_NORM_OPTS = V.optionSpec('clip_grad_norm_', { normType: 'any', errorIfNonfinite: 'bool' });

function paramsOf(parameters: unknown, entry: string): Tensor[] {
  if (isTensor(parameters)) return [parameters as Tensor];
  const it = parameters as { [Symbol.iterator]?: unknown } | null | undefined;
  if (it === null || it === undefined || typeof it[Symbol.iterator] !== 'function' || typeof parameters === 'string') {
    throw new TypeError(`${entry}(): argument 'parameters' must be a Tensor or an iterable of Tensors, not ${V.typeName(parameters)}`);
  }
  const list = [...(parameters as Iterable<unknown>)];
  list.forEach((p, i) => {
    if (!isTensor(p)) throw new TypeError(`${entry}(): parameters[${i}] must be a Tensor, not ${V.typeName(p)}`);
  });
  return list as Tensor[];
}

/** Python's float(norm_type): a number, or the string 'inf' / '-inf' (as float('inf') reads it). */
function normTypeOf(v: unknown): number {
  if (v === undefined) return 2;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'inf' || s === '+inf' || s === 'infinity' || s === '+infinity') return Infinity;
    if (s === '-inf' || s === '-infinity') return -Infinity;
    if (s !== '' && !Number.isNaN(Number(s))) return Number(s);
    throw new V.ValueError(`could not convert string to float: '${v}'`);
  }
  throw new TypeError(`float() argument must be a string or a number, not '${V.typeName(v)}'`);
}

/** Python's repr of a float in the non-finite message ("2.0", "inf"). */
function pyFloatText(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isNaN(v)) return 'nan';
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/**
 * Scales the gradients of `parameters` in place so that their total `normType` norm (as if all were
 * concatenated) is at most `maxNorm`; returns the total norm before clipping (a 0-d tensor of the
 * gradients' dtype; float32 0 when no parameter has a gradient). Gradients that are null are skipped.
 */
export function clipGradNorm_(
  parameters: TensorOrTensors,
  maxNorm: number,
  normType?: number | 'inf' | ClipGradNormOptions,
  errorIfNonfinite?: boolean,
): Tensor {
  const entry = 'clip_grad_norm_';
  const params = paramsOf(parameters, entry);
  V.number(maxNorm, entry, 'max_norm');
  let nt: unknown = normType;
  let errNonfinite = errorIfNonfinite ?? false;
  if (V.isOptions(normType)) {
    V.options(CLIP_NORM_OPTS, normType);
    const o = normType as ClipGradNormOptions;
    nt = o.normType;
    errNonfinite = o.errorIfNonfinite ?? false;
  }
  V.bool(errNonfinite, entry, 'error_if_nonfinite');
  const p = normTypeOf(nt);
  const grads = params.map((t) => t._gradInternal()).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return OPS.tensor.fn(0);
  return noGrad(() =>
    withTemps(() => {
      let total: Tensor;
      if (p === Infinity) {
        const norms = grads.map((g) => g.abs().max());
        total = norms.length === 1 ? norms[0] : OPS.stack.fn(norms).max();
      } else {
        total = OPS.stack.fn(grads.map((g) => g.norm(p))).norm(p);
      }
      if (errNonfinite && !Number.isFinite(total.item() as number)) {
        throw new Error(
          `The total norm of order ${pyFloatText(p)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
            'To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`',
        );
      }
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp({ max: 1.0 });
      for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}

/** Clamps every gradient of `parameters` in place to [-clipValue, clipValue]; null gradients are skipped. */
export function clipGradValue_(parameters: TensorOrTensors, clipValue: number): void {
  const entry = 'clip_grad_value_';
  const params = paramsOf(parameters, entry);
  V.number(clipValue, entry, 'clip_value');
  noGrad(() =>
    withTemps(() => {
      for (const t of params) {
        const g = t._gradInternal();
        if (g) g.copy_(g.clamp(-clipValue, clipValue));
      }
    }),
  );
}
