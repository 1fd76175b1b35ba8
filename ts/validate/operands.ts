// Op-specific operand checks outside the matrix products (./products.ts): softmax's and var's input
// dtypes, torch.cat's tensors, torch.where's condition, index_select's index, and the operands of
// the losses (mse, nll, cross entropy, binary cross entropy): PyTorch 1.13's checks, in its order.
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { fmtShape } from '../shape.js';
import { SCALAR_NAME, ValueError } from './names.js';

const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** softmax / log_softmax refuse integer inputs (PyTorch 1.13 has no integer kernel; no silent cast). */
export function softmaxInput(x: Tensor, dim: number, log: boolean): void {
  if (x.dtype === 'float32' || x.dtype === 'float64') return;
  const last = x.ndim === 0 || dim === -1 || dim === x.ndim - 1;
  const kernel = last ? (log ? 'log_softmax_lastdim_kernel_impl' : 'softmax_lastdim_kernel_impl') : 'softmax_kernel_impl';
  throw new Error(`"${kernel}" not implemented for '${SCALAR_NAME[x.dtype]}'`);
}

/**
 * torch.cat's tensors (already known to be Tensors): not empty, same rank and same sizes outside
 * `dim`; 1-D empty tensors are skipped, as PyTorch 1.13 does (its legacy behaviour).
 */
export function catOperands(tensors: readonly Tensor[], dim: number): void {
  if (tensors.length === 0) throw new Error('torch.cat(): expected a non-empty list of Tensors');
  let ref: Tensor | null = null;
  for (let k = 0; k < tensors.length; k++) {
    const x = tensors[k];
    if (x.ndim === 1 && x._shape[0] === 0) continue;
    if (ref === null) {
      ref = x;
      const n = x.ndim === 0 ? 1 : x.ndim;
      if (dim < -n || dim >= n)
        throw new RangeError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
      if (x.ndim === 0) throw new Error(`zero-dimensional tensor (at position ${k}) cannot be concatenated`);
      continue;
    }
    if (x.ndim === 0) throw new Error(`zero-dimensional tensor (at position ${k}) cannot be concatenated`);
    if (x.ndim !== ref.ndim) throw new Error(`Tensors must have same number of dimensions: got ${ref.ndim} and ${x.ndim}`);
    const d = dim < 0 ? dim + ref.ndim : dim;
    for (let j = 0; j < x.ndim; j++) {
      if (j !== d && x._shape[j] !== ref._shape[j]) {
        throw new Error(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${ref._shape[j]} but got size ${x._shape[j]} for tensor number ${k} in the list.`,
        );
      }
    }
  }
}

/** Ops with no integer kernel in PyTorch 1.13 refuse integer inputs (instead of casting them). */
export function floatInput(x: Tensor, op: 'var' | 'leaky_relu'): void {
  if (isFloat(x.dtype)) return;
  if (op === 'var') throw new Error('std and var only support floating point and complex dtypes');
  throw new Error(`"leaky_relu_cpu" not implemented for '${SCALAR_NAME[x.dtype]}'`);
}

/** mse_loss computes in the operands' promoted dtype, which must be floating. */
export function mseOperands(input: Tensor, target: Tensor): void {
  if (isFloat(input.dtype) || isFloat(target.dtype)) return;
  const d = input.dtype === 'int64' || target.dtype === 'int64' ? 'int64' : 'bool';
  throw new Error(`"mse_cpu" not implemented for '${SCALAR_NAME[d]}'`);
}

/** torch.where's condition must be a bool tensor. */
export function whereCondition(cond: Tensor): void {
  if (cond.dtype !== 'bool') {
    throw new Error(`where expected condition to be a boolean tensor, but got a tensor with dtype ${SCALAR_NAME[cond.dtype]}`);
  }
}

/** index_select's index: an int64 vector (or 0-d). */
export function indexOperand(index: Tensor): void {
  if (index.dtype !== 'int64') throw new Error('index_select(): Expected dtype int32 or int64 for index');
  if (index.ndim > 1) throw new Error('index_select(): Index is supposed to be a vector');
}

/**
 * nll_loss over log-probabilities [N, C] with an int64 target [N], [C] with a 0-d target, or
 * [N, C, d1, ...] with a target [N, d1, ...]; the class weights `weight` [C]. In the order of
 * PyTorch 1.13's nll_loss_nd, nll_loss and nll_loss2d checks.
 */
export function nllOperands(input: Tensor, target: Tensor, weight?: Tensor | null): void {
  const xs = input._shape;
  const ts = target._shape;
  if (xs.length < 1) throw new ValueError(`Expected 1 or more dimensions (got ${xs.length})`);
  if (xs.length !== 1 && xs[0] !== (ts.length ? ts[0] : 0)) {
    throw new ValueError(`Expected input batch_size (${xs[0]}) to match target batch_size (${ts.length ? ts[0] : 0}).`);
  }
  if (xs.length <= 2) {
    if (ts.length > 1) throw new Error('0D or 1D target tensor expected, multi-target not supported');
    if (xs.length === 1 && ts.length !== 0) throw new Error(`size mismatch (got input: ${fmtShape(xs)}, target: ${fmtShape(ts)})`);
  } else if (xs.length === 4) {
    if (ts.length !== 3)
      throw new Error(`only batches of spatial targets supported (3D tensors) but got targets of dimension: ${ts.length}`);
    if (ts[1] !== xs[2] || ts[2] !== xs[3]) throw new Error(`size mismatch (got input: ${fmtShape(xs)}, target: ${fmtShape(ts)})`);
  } else {
    const want = [xs[0], ...xs.slice(2)];
    if (ts.length !== want.length || want.some((d, i) => d !== ts[i]))
      throw new Error(`Expected target size ${fmtShape(want)}, got ${fmtShape(ts)}`);
  }
  if (input.dtype !== 'float32' && input.dtype !== 'float64')
    throw new Error(`"nll_loss_out_frame" not implemented for '${SCALAR_NAME[input.dtype]}'`);
  if (target.dtype !== 'int64') throw new Error(`expected scalar type Long but found ${SCALAR_NAME[target.dtype]}`);
  if (weight) {
    const c = xs.length === 1 ? xs[0] : xs[1];
    if (weight.numel() !== c) {
      throw new Error(
        `weight tensor should be defined either for all ${c} classes or no classes but got weight tensor of shape: ${fmtShape(weight._shape)}`,
      );
    }
    if (weight.dtype !== input.dtype)
      throw new Error(`expected scalar type ${SCALAR_NAME[input.dtype]} but found ${SCALAR_NAME[weight.dtype]}`);
  }
}

/** cross_entropy: class-index targets go through log_softmax then nll_loss's checks. */
export function crossEntropyOperands(input: Tensor, target: Tensor, weight?: Tensor | null): void {
  const same = input.ndim === target.ndim && input._shape.every((d, i) => d === target._shape[i]);
  if (same) {
    // PyTorch reads a target of the input's shape as class probabilities.
    if (target.dtype !== 'float32' && target.dtype !== 'float64') {
      throw new Error(`Expected floating point type for target with class probabilities, got ${SCALAR_NAME[target.dtype]}`);
    }
    throw new Error('asgrad: crossEntropy with class-probability targets is not supported (give class indices, an int64 tensor)');
  }
  if (input.ndim > 0) softmaxInput(input, input.ndim === 1 ? 0 : 1, true);
  nllOperands(input, target, weight);
}

/** binary_cross_entropy_with_logits: same shapes, floating operands (PyTorch 1.13's texts). */
export function bceOperands(input: Tensor, target: Tensor): void {
  const xs = input._shape;
  const ts = target._shape;
  if (xs.length !== ts.length || xs.some((d, i) => d !== ts[i])) {
    throw new ValueError(`Target size (torch.Size(${fmtShape(ts)})) must be the same as input size (torch.Size(${fmtShape(xs)}))`);
  }
  if (input.dtype === 'bool') {
    throw new Error(
      'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
  }
  const bad = !isFloat(target.dtype) ? target.dtype : !isFloat(input.dtype) ? input.dtype : null;
  if (bad) throw new Error(`result type Float can't be cast to the desired output type ${SCALAR_NAME[bad]}`);
}
