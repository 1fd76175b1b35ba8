// Every public entry validates its arguments before a kernel touches memory (issue 8, part 2).
// Expected texts are PyTorch 1.13's (printed by running the same call in PyTorch 1.13) where
// PyTorch has one; JavaScript-only situations name the entry, the argument and what was passed.
// After each class of error, the library must keep computing correctly (`stillWorks`).
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { expectClose, values } from './helpers.js';
import * as V from '../ts/validate.js';

const F = torch.nn.functional;

type ErrorType = ErrorConstructor | (new (...a: never[]) => Error);

/** Runs `f`, expecting it to throw `type` with a message containing `text` (or exactly `text`). */
function throwsWith(f: () => unknown, type: ErrorType, text: string, exact = false): void {
  let err: unknown = null;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected "${text}"`).toBeInstanceOf(type);
  if (exact) expect((err as Error).message).toBe(text);
  else expect((err as Error).message).toContain(text);
}

/** Exact message (the whole text, not a fragment). */
function throwsExactly(f: () => unknown, type: ErrorType, text: string): void {
  throwsWith(f, type, text, true);
}

/**
 * The library still computes correctly: a small matmul + reduction with gradients, checked
 * against values worked out by hand ([[1,2],[3,4]] @ [[5],[6]] = [[17],[39]]; d(sum)/dA = [[5,6],[5,6]]).
 */
function stillWorks(): void {
  const a = torch.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  const b = torch.tensor([[5], [6]]);
  const y = a.matmul(b);
  expectClose(y, [17, 39]);
  y.sum().backward();
  expectClose(a.grad, [5, 6, 5, 6]);
  expectClose(torch.ones(3).add(torch.arange(3)).mul(2), [2, 4, 6]);
  const live = torch.memory().liveTensors;
  expect(live).toBeGreaterThanOrEqual(0);
}

describe('matrix products check every operand (rank, inner sizes, dtype)', () => {
  it('Linear with the wrong input width raises instead of reading foreign memory', () => {
    torch.manualSeed(0);
    const lin = new torch.nn.Linear(3, 2);
    throwsExactly(() => lin.call(torch.ones(4, 2)), Error, 'mat1 and mat2 shapes cannot be multiplied (4x2 and 3x2)');
    throwsExactly(
      () => F.linear(torch.ones(5, 4, 2), lin.weight, lin.bias),
      Error,
      'mat1 and mat2 shapes cannot be multiplied (20x2 and 3x2)',
    );
    throwsExactly(() => F.linear(torch.ones(4, 3), torch.ones(2, 4)), Error, 'mat1 and mat2 shapes cannot be multiplied (4x3 and 4x2)');
    stillWorks();
  });

  it('addmm refuses mixed dtypes, non-matrices and a bias that does not broadcast', () => {
    const f64 = { dtype: 'float64' as const };
    throwsExactly(
      () => torch.addmm(torch.zeros(2), torch.ones(2, 3), torch.ones(3, 2, f64)),
      Error,
      'self and mat2 must have the same dtype',
    );
    throwsExactly(
      () => torch.addmm(torch.zeros(2), torch.ones(2, 3, f64), torch.ones(3, 2)),
      Error,
      'mat1 and mat2 must have the same dtype',
    );
    throwsExactly(() => torch.addmm(torch.zeros(2), torch.ones(3), torch.ones(3, 2)), Error, 'mat1 must be a matrix, got 1-D tensor');
    throwsExactly(() => torch.addmm(torch.zeros(2), torch.ones(1, 2, 3), torch.ones(3, 2)), Error, 'mat1 must be a matrix, got 3-D tensor');
    throwsExactly(() => torch.addmm(torch.zeros(2), torch.ones(2, 3), torch.ones(3)), Error, 'mat2 must be a matrix, got 1-D tensor');
    throwsExactly(
      () => torch.addmm(torch.zeros(2), torch.ones(2, 3), torch.ones(4, 2)),
      Error,
      'mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)',
    );
    throwsExactly(
      () => torch.addmm(torch.zeros(3), torch.ones(2, 3), torch.ones(3, 2)),
      Error,
      'The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 1.  Target sizes: [2, 2].  Tensor sizes: [3]',
    );
    throwsExactly(
      () => torch.addmm(torch.zeros(2, 2, 2), torch.ones(2, 3), torch.ones(3, 2)),
      Error,
      'expand(torch.FloatTensor{[2, 2, 2]}, size=[2, 2]): the number of sizes provided (2) must be greater or equal to the number of dimensions in the tensor (3)',
    );
    const b = { dtype: 'bool' as const };
    throwsExactly(
      () => torch.addmm(torch.zeros(2, b), torch.ones(2, 3, b), torch.ones(3, 2, b)),
      Error,
      `"addmm_impl_cpu_" not implemented for 'Bool'`,
    );
    stillWorks();
  });

  it('mm, mv, bmm, dot and matmul: ranks, inner sizes and dtypes, in PyTorch’s order', () => {
    const f64 = { dtype: 'float64' as const };
    const i64 = { dtype: 'int64' as const };
    const b = { dtype: 'bool' as const };
    throwsExactly(() => torch.mm(torch.ones(3), torch.ones(3, 2)), Error, 'self must be a matrix');
    throwsExactly(() => torch.mm(torch.ones(2, 3), torch.ones(3)), Error, 'mat2 must be a matrix');
    throwsExactly(() => torch.mm(torch.ones(2, 3), torch.ones(2, 3)), Error, 'mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)');
    throwsExactly(() => torch.mm(torch.ones(2, 3), torch.ones(3, 2, f64)), Error, 'expected scalar type Float but found Double');
    throwsExactly(() => torch.mm(torch.ones(2, 3, i64), torch.ones(3, 2)), Error, 'expected scalar type Long but found Float');
    throwsExactly(() => torch.mm(torch.ones(2, 3), torch.ones(3, 2, b)), Error, 'expected scalar type Float but found Bool');
    throwsExactly(() => torch.mm(torch.ones(2, 3, b), torch.ones(3, 2, b)), Error, `"addmm_impl_cpu_" not implemented for 'Bool'`);

    throwsExactly(() => torch.mv(torch.ones(3), torch.ones(3)), Error, 'vector + matrix @ vector expected, got 1, 1, 1');
    throwsExactly(() => torch.mv(torch.ones(2, 3), torch.ones(3, 1)), Error, 'vector + matrix @ vector expected, got 1, 2, 2');
    throwsExactly(() => torch.mv(torch.ones(2, 3), torch.ones(4)), Error, 'size mismatch, got 2, 2x3,4');
    throwsExactly(() => torch.mv(torch.ones(2, 3), torch.ones(3, f64)), Error, 'expected scalar type Float but found Double');
    throwsExactly(() => torch.mv(torch.ones(2, 3, b), torch.ones(3, b)), Error, `"addmv_impl_cpu" not implemented for 'Bool'`);

    throwsExactly(() => torch.bmm(torch.ones(2, 3), torch.ones(2, 3, 2)), Error, 'batch1 must be a 3D tensor');
    throwsExactly(() => torch.bmm(torch.ones(2, 2, 3), torch.ones(3, 2)), Error, 'batch2 must be a 3D tensor');
    throwsExactly(
      () => torch.bmm(torch.ones(2, 2, 3), torch.ones(2, 4, 2)),
      Error,
      'Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].',
    );
    throwsExactly(() => torch.bmm(torch.ones(2, 2, 3), torch.ones(2, 3, 2, f64)), Error, 'expected scalar type Float but found Double');
    throwsExactly(() => torch.bmm(torch.ones(2, 2, 3, b), torch.ones(2, 3, 2)), Error, `"bmm" not implemented for 'Bool'`);

    throwsExactly(() => torch.dot(torch.ones(3, 1), torch.ones(3)), Error, '1D tensors expected, but got 2D and 1D tensors');
    throwsExactly(
      () => torch.dot(torch.ones(3), torch.ones(4, f64)),
      Error,
      'dot : expected both vectors to have same dtype, but found Float and Double',
    );
    throwsExactly(
      () => torch.dot(torch.ones(3), torch.ones(4)),
      Error,
      'inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively',
    );
    throwsExactly(() => torch.dot(torch.ones(3, b), torch.ones(3, b)), Error, `"dot" not implemented for 'Bool'`);

    // matmul follows its dispatch: the message is the one of the product it folds into.
    throwsExactly(
      () => torch.matmul(torch.ones([]), torch.ones(3)),
      Error,
      'both arguments to matmul need to be at least 1D, but they are 0D and 1D',
    );
    throwsExactly(
      () => torch.matmul(torch.ones(2, 2, 3), torch.ones(4, 2)),
      Error,
      'mat1 and mat2 shapes cannot be multiplied (4x3 and 4x2)',
    );
    throwsExactly(() => torch.matmul(torch.ones(2, 2, 3), torch.ones(4)), Error, 'size mismatch, got 4, 4x3,4');
    throwsExactly(
      () => torch.matmul(torch.ones(2, 3), torch.ones(2, 4, 2)),
      Error,
      'mat1 and mat2 shapes cannot be multiplied (4x4 and 3x2)',
    );
    throwsExactly(() => torch.matmul(torch.ones(3), torch.ones(2, 4, 2)), Error, 'size mismatch, got 4, 4x4,3');
    throwsExactly(
      () => torch.matmul(torch.ones(2, 2, 3), torch.ones(2, 4, 2)),
      Error,
      'Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].',
    );
    throwsExactly(
      () => torch.matmul(torch.ones(5, 2, 2, 3), torch.ones(3, 3, 2)),
      Error,
      'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1',
    );
    throwsExactly(() => torch.matmul(torch.ones(3), torch.ones(2, 3, 2, f64)), Error, 'expected scalar type Double but found Float');
    throwsExactly(
      () => torch.matmul(torch.ones(3), torch.ones(3, f64)),
      Error,
      'dot : expected both vectors to have same dtype, but found Float and Double',
    );
    // A [b, n, m] operand with its last two dims transposed goes through bmm, not a fold.
    throwsExactly(
      () => torch.matmul(torch.ones(2, 4, 2).permute(0, 2, 1), torch.ones(3, 2)),
      Error,
      'Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3].',
    );
    throwsExactly(() => torch.matmul(torch.ones(3, b), torch.ones(2, 3, 2, b)), Error, `"addmv_impl_cpu" not implemented for 'Bool'`);
    stillWorks();
  });

  it('linear: dtypes of input, weight and bias, weight rank, and the in-place bias add', () => {
    const f64 = { dtype: 'float64' as const };
    throwsExactly(() => F.linear(torch.ones(4, 3, f64), torch.ones(2, 3), torch.ones(2)), Error, 'mat1 and mat2 must have the same dtype');
    throwsExactly(
      () => F.linear(torch.ones(1, 3, 1, f64), torch.ones(3, 1), torch.ones(3)),
      Error,
      'mat1 and mat2 must have the same dtype',
    );
    throwsExactly(() => F.linear(torch.ones(4, 3), torch.ones(2, 3), torch.ones(2, f64)), Error, 'self and mat2 must have the same dtype');
    throwsExactly(() => F.linear(torch.ones(4, 3), torch.ones(2, 3, f64)), Error, 'expected scalar type Float but found Double');
    throwsExactly(
      () => F.linear(torch.ones(4, 3), torch.ones(2, 3, 1)),
      Error,
      't() expects a tensor with <= 2 dimensions, but self is 3D',
    );
    throwsExactly(
      () => F.linear(torch.ones(3), torch.ones(2, 3), torch.ones(1, 2)),
      Error,
      "output with shape [2] doesn't match the broadcast shape [1, 2]",
    );
    throwsExactly(
      () => F.linear(torch.ones(3), torch.ones(2, 3), torch.ones(3)),
      Error,
      'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0',
    );
    // PyTorch adds the bias in place: a float64 bias on a 1-D float32 input keeps float32.
    const y = F.linear(torch.ones(3), torch.ones(2, 3), torch.ones(2, f64));
    expect(y.dtype).toBe('float32');
    expectClose(y, [4, 4]);
    stillWorks();
  });

  it('int64 products compute like PyTorch; valid float products are unchanged', () => {
    const i64 = { dtype: 'int64' as const };
    const a = torch.tensor([
      [1n, 2n, 3n],
      [4n, 5n, 6n],
    ]);
    const b = torch.tensor([
      [7n, 8n],
      [9n, 10n],
      [11n, 12n],
    ]);
    const c = torch.mm(a, b);
    expect(c.dtype).toBe('int64');
    expect(c.tolist()).toEqual([
      [58, 64],
      [139, 154],
    ]);
    expect(torch.matmul(torch.ones(2, 2, 3, i64), torch.ones(2, 3, 2, i64)).tolist()).toEqual([
      [
        [3, 3],
        [3, 3],
      ],
      [
        [3, 3],
        [3, 3],
      ],
    ]);
    expect(torch.dot(torch.ones(3, i64), torch.ones(3, i64)).item()).toBe(3);
    expect(torch.mv(torch.ones(2, 3, i64), torch.ones(3, i64)).tolist()).toEqual([3, 3]);
    expect(torch.addmm(torch.ones(2, i64), torch.ones(2, 3, i64), torch.ones(3, 2, i64)).tolist()).toEqual([
      [4, 4],
      [4, 4],
    ]);
    // Zero-size batches go through (PyTorch returns an empty result).
    expect(F.linear(torch.ones(5, 0, 3), torch.ones(2, 3), torch.ones(2)).shape).toEqual([5, 0, 2]);
    expect(torch.matmul(torch.ones(2, 0, 3), torch.ones(3, 2)).shape).toEqual([2, 0, 2]);
    expectClose(torch.matmul(torch.ones(2, 3, 0), torch.ones(0, 2)), new Array(12).fill(0));
  });
});

describe('the losses of issue 10 raise PyTorch 1.13’s errors', () => {
  it('weights, ignored classes, K-dim targets, label smoothing, and the elementwise losses’ options', () => {
    const x = torch.ones(3, 4);
    const L = (v: bigint[]): Tensor => torch.tensor(v);
    throwsExactly(
      () => F.nllLoss(x, L([0n, 1n, 2n]), { weight: torch.ones(5) }),
      Error,
      'weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [5]',
    );
    throwsExactly(
      () => F.nllLoss(x, L([0n, 1n, 2n]), { weight: torch.ones(4, { dtype: 'float64' }) }),
      Error,
      'expected scalar type Float but found Double',
    );
    throwsExactly(
      () => F.nllLoss(torch.ones(2, 4, 3), torch.zeros(2, 2, { dtype: 'int64' })),
      Error,
      'Expected target size [2, 3], got [2, 2]',
    );
    throwsExactly(
      () => F.nllLoss(torch.ones(2, 4, 3, 2), torch.zeros(2, 3, { dtype: 'int64' })),
      Error,
      'only batches of spatial targets supported (3D tensors) but got targets of dimension: 2',
    );
    throwsExactly(() => F.nllLoss(x, L([0n, -1n, 2n])), RangeError, 'Target -1 is out of bounds.');
    // An ignored target is not checked against the classes.
    expect(F.nllLoss(x, L([0n, -100n, 2n])).item()).toBe(-1);
    expect(Number.isNaN(F.nllLoss(x, L([1n, 1n, 1n]), { ignoreIndex: 1 }).item())).toBe(true);
    throwsExactly(
      () => F.crossEntropy(x, L([0n, 1n, 2n]), { labelSmoothing: 1.5 }),
      Error,
      'label_smoothing must be between 0.0 and 1.0. Got: 1.5',
    );
    throwsExactly(() => F.smoothL1Loss(x, x, { beta: -1 }), Error, 'smooth_l1_loss does not support negative values for beta.');
    throwsExactly(() => F.huberLoss(x, x, { delta: 0 }), Error, 'huber_loss does not support non-positive values for delta.');
    throwsExactly(
      () => F.binaryCrossEntropy(x, torch.ones(3)),
      Error,
      'Using a target size (torch.Size([3])) that is different to the input size (torch.Size([3, 4])) is deprecated. Please ensure they have the same size.',
    );
    throwsExactly(() => F.binaryCrossEntropy(x.mul(2), x), Error, 'all elements of input should be between 0 and 1');
    throwsExactly(() => F.binaryCrossEntropy(x, x.double()), Error, 'Found dtype Double but expected Float');
    throwsExactly(() => F.klDiv(x, x, { reduction: 'bogus' as never }), Error, 'bogus is not a valid value for reduction');
    throwsExactly(
      () => torch.cosineSimilarity(L([1n, 2n]), L([1n, 2n]), 0),
      Error,
      'expected common dtype to be floating point, yet common dtype is Long',
    );
    throwsExactly(() => torch.cosineSimilarity(x, x, 2), Error, 'Dimension out of range (expected to be in range of [-2, 1], but got 2)');
  });
});

describe('losses, softmax, where and indexSelect check their operands’ dtypes and shapes', () => {
  it('raise PyTorch 1.13’s errors instead of computing on mismatched operands', () => {
    const x = torch.ones(2, 3);
    const L = (v: bigint[] | bigint): Tensor => torch.tensor(v);
    const i64 = { dtype: 'int64' as const };
    throwsExactly(() => F.nllLoss(torch.ones([]), L(0n)), Error, 'Expected 1 or more dimensions (got 0)');
    throwsExactly(() => F.nllLoss(x, L([0n])), Error, 'Expected input batch_size (2) to match target batch_size (1).');
    throwsExactly(() => F.nllLoss(x, L([0n, 1n, 2n])), Error, 'Expected input batch_size (2) to match target batch_size (3).');
    throwsExactly(() => F.nllLoss(x, torch.zeros(2, 5, i64)), Error, '0D or 1D target tensor expected, multi-target not supported');
    throwsExactly(() => F.nllLoss(torch.ones(3), L([0n])), Error, 'size mismatch (got input: [3], target: [1])');
    throwsExactly(() => F.nllLoss(x, torch.tensor([0, 1])), Error, 'expected scalar type Long but found Float');
    throwsExactly(() => F.nllLoss(torch.ones(2, 3, i64), L([0n, 1n])), Error, `"nll_loss_out_frame" not implemented for 'Long'`);
    throwsExactly(() => F.nllLoss(x, L([0n, 5n])), Error, 'Target 5 is out of bounds.');
    throwsExactly(() => F.crossEntropy(x, L([0n])), Error, 'Expected input batch_size (2) to match target batch_size (1).');
    throwsExactly(() => F.crossEntropy(torch.ones(3), L([0n])), Error, 'size mismatch (got input: [3], target: [1])');
    throwsExactly(
      () => F.crossEntropy(torch.ones(2, 3, i64), L([0n, 1n])),
      Error,
      `"log_softmax_lastdim_kernel_impl" not implemented for 'Long'`,
    );
    throwsExactly(() => F.crossEntropy(x, torch.tensor([0, 1])), Error, 'expected scalar type Long but found Float');
    throwsExactly(
      () => F.crossEntropy(torch.ones([]), L(0n)),
      Error,
      'Expected floating point type for target with class probabilities, got Long',
    );
    throwsExactly(
      () => F.binaryCrossEntropyWithLogits(x, torch.ones(3)),
      Error,
      'Target size (torch.Size([3])) must be the same as input size (torch.Size([2, 3]))',
    );
    throwsExactly(
      () => F.binaryCrossEntropyWithLogits(x, torch.ones(2, 3, i64)),
      Error,
      "result type Float can't be cast to the desired output type Long",
    );
    throwsExactly(
      () => F.binaryCrossEntropyWithLogits(torch.ones(2, 3, i64), x),
      Error,
      "result type Float can't be cast to the desired output type Long",
    );
    throwsExactly(() => F.softmax(torch.ones(2, 3, i64), 0), Error, `"softmax_kernel_impl" not implemented for 'Long'`);
    throwsExactly(
      () => F.softmax(torch.ones(2, 3, { dtype: 'bool' }), 1),
      Error,
      `"softmax_lastdim_kernel_impl" not implemented for 'Bool'`,
    );
    throwsExactly(() => F.logSoftmax(torch.ones(3, i64), 0), Error, `"log_softmax_lastdim_kernel_impl" not implemented for 'Long'`);
    throwsExactly(
      () => F.mseLoss(torch.ones(2, 3, i64), torch.ones(2, 3, { dtype: 'bool' })),
      Error,
      `"mse_cpu" not implemented for 'Long'`,
    );
    throwsExactly(() => F.leakyRelu(torch.ones(2, i64)), Error, `"leaky_relu_cpu" not implemented for 'Long'`);
    throwsExactly(() => torch.ones(2, i64).std(), Error, 'std and var only support floating point and complex dtypes');
    throwsExactly(() => torch.ones(2, { dtype: 'bool' }).var(0), Error, 'std and var only support floating point and complex dtypes');
    // copy_ reads its source within the broadcast it was given, or refuses.
    const dst = torch.zeros(2, 3);
    throwsExactly(
      () => dst.copy_(torch.ones(4)),
      Error,
      'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1',
    );
    throwsExactly(() => torch.zeros(3).copy_(torch.ones(2, 3)), Error, "output with shape [3] doesn't match the broadcast shape [2, 3]");
    throwsExactly(() => torch.zeros([]).copy_(torch.ones(2)), Error, "output with shape [] doesn't match the broadcast shape [2]");
    expectClose(dst, [0, 0, 0, 0, 0, 0]);
    expectClose(dst.copy_(torch.tensor([[1, 2, 3]])), [1, 2, 3, 1, 2, 3]);
    throwsExactly(() => torch.cat([]), Error, 'torch.cat(): expected a non-empty list of Tensors');
    throwsExactly(() => torch.cat([x, torch.ones(3)]), Error, 'Tensors must have same number of dimensions: got 2 and 1');
    throwsExactly(
      () => torch.cat([torch.ones(2, 3, 4), torch.ones(2, 5, 5)]),
      Error,
      'Sizes of tensors must match except in dimension 0. Expected size 3 but got size 5 for tensor number 1 in the list.',
    );
    throwsExactly(
      () => torch.cat([torch.ones(2), torch.ones([])]),
      Error,
      'zero-dimensional tensor (at position 1) cannot be concatenated',
    );
    expect(torch.cat([torch.ones(0), x]).shape).toEqual([2, 3]);
    throwsExactly(() => torch.where(x, x, x), Error, 'where expected condition to be a boolean tensor, but got a tensor with dtype Float');
    throwsExactly(() => x.indexSelect(0, torch.tensor([0])), Error, 'index_select(): Expected dtype int32 or int64 for index');
    throwsExactly(() => x.indexSelect(0, torch.tensor([[0n]])), Error, 'index_select(): Index is supposed to be a vector');
    // Valid calls: PyTorch's values (F.nll_loss(log_softmax(x), [0, 2]) on x = [[1,2,3],[1,2,3]]).
    const logits = torch.tensor([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expectClose(F.crossEntropy(logits, L([0n, 2n])), [1.4076059644443804]);
    expectClose(F.nllLoss(torch.tensor([-1, -2, -3]), L(1n)), [2]);
    stillWorks();
  });
});

describe('torch.tensor refuses what is not numeric data', () => {
  it('strings, null, undefined, objects and ragged nesting raise PyTorch’s errors; NaN and Infinity are data', () => {
    const T = torch.tensor as (d: unknown, o?: unknown) => Tensor;
    throwsExactly(() => T('abc'), TypeError, "new(): invalid data type 'str'");
    throwsExactly(() => T([1, 'a']), TypeError, "new(): invalid data type 'str'");
    throwsExactly(() => T(null), Error, 'Could not infer dtype of NoneType');
    throwsExactly(() => T([1, null]), Error, 'Could not infer dtype of NoneType');
    throwsExactly(() => T(undefined), Error, 'Could not infer dtype of undefined');
    throwsExactly(
      () =>
        T([
          [1, 2],
          [3, undefined],
        ]),
      Error,
      'Could not infer dtype of undefined',
    );
    throwsExactly(() => T({}), Error, 'Could not infer dtype of dict');
    throwsExactly(() => T([1, {}]), Error, 'Could not infer dtype of dict');
    throwsExactly(() => T(new Map()), Error, 'Could not infer dtype of Map');
    throwsExactly(() => T([[1, 2], [3]]), Error, 'expected sequence of length 2 at dim 1 (got 1)');
    throwsExactly(() => T([[1, 2], 3]), TypeError, 'not a sequence');
    throwsWith(() => T([1, [2, 3]]), TypeError, 'ragged nested sequence');
    const t = torch.tensor([NaN, Infinity, -Infinity]);
    const v = values(t);
    expect(Number.isNaN(v[0])).toBe(true);
    expect(v.slice(1)).toEqual([Infinity, -Infinity]);
    throwsExactly(() => torch.tensor([NaN], { dtype: 'int64' }), Error, 'value cannot be converted to type int64 without overflow');
    // 0-d tensors in a list are values, as in PyTorch; others are refused.
    const l2 = torch.tensor([torch.tensor(1.5), torch.tensor(2)] as never);
    expect(l2.tolist()).toEqual([1.5, 2]);
    expect(torch.tensor([torch.tensor(3n), torch.tensor(4n)] as never).dtype).toBe('int64');
    throwsWith(() => T([torch.ones(2)]), TypeError, 'tensor(): a 1-D Tensor inside a list is not supported');
    stillWorks();
  });
});

describe('dtypes are one of float32, float64, int64, bool', () => {
  it('unknown dtype strings and non-strings raise, in creation options and in .to()', () => {
    const ones = torch.ones as (...a: unknown[]) => Tensor;
    const msg = (got: string, entry = 'ones'): string =>
      `${entry}(): argument 'dtype' must be one of 'float32', 'float64', 'int64', 'bool' (the dtypes asgrad supports), not ${got}`;
    throwsExactly(() => ones(2, { dtype: 'float16' }), TypeError, msg("'float16'"));
    throwsExactly(() => ones(2, { dtype: 'int32' }), TypeError, msg("'int32'"));
    throwsExactly(() => ones(2, { dtype: 'foo' }), TypeError, msg("'foo'"));
    throwsExactly(() => ones(2, { dtype: 3 }), TypeError, msg('int'));
    throwsExactly(() => (torch.tensor as (d: unknown, o: unknown) => Tensor)([1], { dtype: 'half' }), TypeError, msg("'half'", 'tensor'));
    throwsExactly(
      () => (torch.zerosLike as (t: Tensor, o: unknown) => Tensor)(torch.ones(2), { dtype: 'uint8' }),
      TypeError,
      msg("'uint8'", 'zerosLike'),
    );
    throwsExactly(
      () => (torch.ones(2).to as (d: unknown) => Tensor)('float16'),
      TypeError,
      `${msg("'float16'", 'to').replace("argument 'dtype'", "argument 'dtype' (position 1)")}`,
    );
    throwsExactly(() => (torch.arange as (...a: unknown[]) => Tensor)(3, { dtype: 'float16' }), TypeError, msg("'float16'", 'arange'));
    stillWorks();
  });
});

describe('integer arguments must be integers', () => {
  it('dims, indices, lengths and sizes that are not ints raise TypeError', () => {
    const x = torch.ones(2, 3);
    throwsExactly(() => x.select(1, 1.5), TypeError, "select(): argument 'index' (position 2) must be int, not float");
    throwsExactly(() => x.select(0.5, 0), TypeError, "select(): argument 'dim' (position 1) must be int, not float");
    throwsExactly(() => x.narrow(0, 0.5, 1), TypeError, "narrow(): argument 'start' (position 2) must be int, not float");
    throwsExactly(() => x.narrow(0, 0, NaN), TypeError, "narrow(): argument 'length' (position 3) must be int, not float");
    throwsExactly(() => x.unsqueeze(0.5), TypeError, "unsqueeze(): argument 'dim' (position 1) must be int, not float");
    throwsExactly(
      () => x.unsqueeze(true as unknown as number),
      TypeError,
      "unsqueeze(): argument 'dim' (position 1) must be int, not bool",
    );
    throwsExactly(() => x.transpose(0.5, 1), TypeError, "transpose(): argument 'dim0' (position 1) must be int, not float");
    throwsExactly(() => x.flatten(0.5), TypeError, "flatten(): argument 'start_dim' (position 1) must be int, not float");
    throwsExactly(() => x.sum({ dim: 1.5 }), TypeError, "sum(): argument 'dim' must be tuple of ints, not float");
    throwsExactly(
      () => x.sum([0, 1.5]),
      TypeError,
      "sum(): argument 'dim' must be tuple of ints, but found element of type float at pos 2",
    );
    throwsExactly(() => x.amax(1.5), TypeError, "amax(): argument 'dim' (position 1) must be tuple of ints, not float");
    throwsExactly(() => x.var({ dim: NaN }), TypeError, "var(): argument 'dim' must be tuple of ints, not float");
    throwsExactly(
      () => x.reshape(2, 3.5),
      TypeError,
      "reshape(): argument 'shape' must be tuple of ints, but found element of type float at pos 2",
    );
    throwsExactly(
      () => x.view([2, 3.5]),
      TypeError,
      "view(): argument 'size' must be tuple of ints, but found element of type float at pos 2",
    );
    throwsExactly(() => x.reshape(-2, 3), Error, 'invalid shape dimension -2');
    throwsExactly(
      () => x.permute(0.5, 1),
      TypeError,
      "permute(): argument 'dims' must be tuple of ints, but found element of type float at pos 1",
    );
    throwsExactly(() => torch.stack([x, x], 0.5), TypeError, "stack(): argument 'dim' (position 2) must be int, not float");
    throwsExactly(() => torch.softmax(x, 0.5), TypeError, "softmax(): argument 'dim' (position 1) must be int, not float");
    throwsExactly(() => x.size(0.5), TypeError, "size(): argument 'dim' (position 1) must be int, not float");
    stillWorks();
  });

  it('sizes of new tensors: non-integers are TypeErrors, negative sizes PyTorch’s RuntimeError', () => {
    throwsExactly(() => torch.zeros(2.5), TypeError, "zeros(): argument 'size' (position 1) must be tuple of ints, not float");
    throwsExactly(() => torch.zeros(NaN), TypeError, "zeros(): argument 'size' (position 1) must be tuple of ints, not float");
    throwsExactly(
      () => torch.zeros([2, 2.5]),
      TypeError,
      "zeros(): argument 'size' must be tuple of ints, but found element of type float at pos 2",
    );
    throwsExactly(
      () => torch.ones(2, 3.5),
      TypeError,
      "ones(): argument 'size' must be tuple of ints, but found element of type float at pos 2",
    );
    throwsExactly(
      () => torch.rand(2, 3.5),
      TypeError,
      "rand(): argument 'size' must be tuple of ints, but found element of type float at pos 2",
    );
    throwsExactly(
      () => torch.full([2, 2.5], 1),
      TypeError,
      "full(): argument 'size' must be tuple of ints, but found element of type float at pos 2",
    );
    throwsExactly(() => torch.zeros(-1), Error, 'Trying to create tensor with negative dimension -1: [-1]');
    throwsExactly(() => torch.zeros([2, -1]), Error, 'Trying to create tensor with negative dimension -1: [2, -1]');
    throwsExactly(() => torch.full([2, -2], 1), Error, 'Trying to create tensor with negative dimension -2: [2, -2]');
    throwsExactly(() => torch.linspace(0, 1, 2.5), TypeError, "linspace(): argument 'steps' (position 3) must be int, not float");
    throwsExactly(() => torch.linspace(0, 1, -1), Error, 'number of steps must be non-negative');
    throwsExactly(() => torch.arange(NaN), Error, 'unsupported range: 0 -> NaN');
    throwsExactly(() => torch.arange(0, -5, 1), Error, 'upper bound and larger bound inconsistent with step sign');
    throwsExactly(() => torch.arange(0, 5, 0), Error, 'step must be nonzero');
    throwsExactly(
      () => new torch.nn.Linear(3.5, 2),
      TypeError,
      "Linear.__init__(): argument 'in_features' (position 1) must be int, not float",
    );
    throwsExactly(() => new torch.nn.Linear(-1, 2), Error, 'Trying to create tensor with negative dimension -1: [2, -1]');
    stillWorks();
  });
});

describe('options objects: unknown keys and wrongly typed values', () => {
  it('snake_case keys get a hint, other unknown keys PyTorch’s text, on every entry with options', () => {
    const any = (f: unknown): ((...a: unknown[]) => unknown) => f as (...a: unknown[]) => unknown;
    const rg = (entry: string): string => `${entry}() got an unexpected keyword argument 'requires_grad' (did you mean requiresGrad?)`;
    const x = torch.ones(2, 3);
    throwsExactly(() => any(torch.tensor)([1], { requires_grad: true }), TypeError, rg('tensor'));
    throwsExactly(() => any(torch.zeros)(2, { requires_grad: true }), TypeError, rg('zeros'));
    throwsExactly(() => any(torch.ones)([2], { requires_grad: true }), TypeError, rg('ones'));
    throwsExactly(() => any(torch.full)([2], 1, { requires_grad: true }), TypeError, rg('full'));
    throwsExactly(() => any(torch.rand)(2, { requires_grad: true }), TypeError, rg('rand'));
    throwsExactly(() => any(torch.randn)(2, { requires_grad: true }), TypeError, rg('randn'));
    throwsExactly(() => any(torch.arange)(3, { requires_grad: true }), TypeError, rg('arange'));
    throwsExactly(() => any(torch.linspace)(0, 1, 3, { requires_grad: true }), TypeError, rg('linspace'));
    throwsExactly(() => any(torch.onesLike)(x, { requires_grad: true }), TypeError, rg('onesLike'));
    throwsExactly(() => any(torch.randLike)(x, { requires_grad: true }), TypeError, rg('randLike'));
    throwsExactly(() => any(torch.tensor)([1], { foo: 1 }), TypeError, "tensor() got an unexpected keyword argument 'foo'");
    throwsExactly(() => any(torch.linspace)(0, 1, 5, { foo: 1 }), TypeError, "linspace() got an unexpected keyword argument 'foo'");

    throwsExactly(
      () => any(x.sum.bind(x))({ keep_dim: true }),
      TypeError,
      "sum() got an unexpected keyword argument 'keep_dim' (did you mean keepdim?)",
    );
    throwsExactly(() => any(x.mean.bind(x))({ dim: 0, foo: 1 }), TypeError, "mean() got an unexpected keyword argument 'foo'");
    throwsExactly(
      () => any(x.amax.bind(x))({ dim: 0, keepDim: true }),
      TypeError,
      "amax() got an unexpected keyword argument 'keepDim' (did you mean keepdim?)",
    );
    throwsExactly(() => any(x.var.bind(x))({ foo: 1 }), TypeError, "var() got an unexpected keyword argument 'foo'");
    throwsExactly(
      () => any(x.std.bind(x))(0, { un_biased: false }),
      TypeError,
      "std() got an unexpected keyword argument 'un_biased' (did you mean unbiased?)",
    );
    throwsExactly(() => any(x.clamp.bind(x))({ minimum: 0 }), TypeError, "clamp() got an unexpected keyword argument 'minimum'");

    const w = torch.ones(2, { requiresGrad: true });
    const loss = w.mul(w).sum();
    throwsExactly(
      () => any(loss.backward.bind(loss))(undefined, { retain_graph: true }),
      TypeError,
      "Tensor.backward() got an unexpected keyword argument 'retain_graph' (did you mean retainGraph?)",
    );
    throwsExactly(
      () => new torch.optim.SGD([w], { lr: 0.1, weight_decay: 0.5 } as never),
      TypeError,
      "SGD.__init__() got an unexpected keyword argument 'weight_decay' (did you mean weightDecay?)",
    );
    throwsExactly(
      () => new torch.optim.Adam([w], { lr: 0.1, amsGrad: true } as never),
      TypeError,
      "Adam.__init__() got an unexpected keyword argument 'amsGrad' (did you mean amsgrad?)",
    );
    throwsExactly(() => any(F.mseLoss)(x, x, { foo: 1 }), TypeError, "mseLoss() got an unexpected keyword argument 'foo'");
    throwsExactly(
      () => any(F.crossEntropy)(x, torch.tensor([0n, 1n]), { label_smoothing: 0.1 }),
      TypeError,
      "crossEntropy() got an unexpected keyword argument 'label_smoothing' (did you mean labelSmoothing?)",
    );
    throwsExactly(
      () => new torch.nn.MSELoss({ foo: 1 } as never),
      TypeError,
      "MSELoss.__init__() got an unexpected keyword argument 'foo'",
    );
    throwsExactly(
      () => new torch.nn.Linear(3, 2, { foo: 1 } as never),
      TypeError,
      "Linear.__init__() got an unexpected keyword argument 'foo'",
    );
    throwsExactly(() => any(F.softmax)(x, { dim: 0, foo: 1 }), TypeError, "softmax() got an unexpected keyword argument 'foo'");

    // The backward that failed on its options can still run (nothing was consumed).
    loss.backward();
    expectClose(w.grad, [2, 2]);
    stillWorks();
  });

  it('option values are type-checked; optimizer hyperparameters with PyTorch’s ValueError texts', () => {
    const any = (f: unknown): ((...a: unknown[]) => unknown) => f as (...a: unknown[]) => unknown;
    const x = torch.ones(2, 3);
    throwsExactly(() => any(torch.ones)(2, { requiresGrad: 'yes' }), TypeError, "ones(): argument 'requiresGrad' must be bool, not str");
    throwsExactly(() => any(x.sum.bind(x))({ dim: 0, keepdim: 1 }), TypeError, "sum(): argument 'keepdim' must be bool, not int");
    throwsExactly(() => any(x.sum.bind(x))(0, 'a'), TypeError, "sum(): argument 'keepdim' (position 2) must be bool, not str");
    throwsExactly(() => any(x.var.bind(x))({ correction: 0.5 }), TypeError, "var(): argument 'correction' must be int, not float");
    const w = torch.ones(2, { requiresGrad: true });
    throwsExactly(() => new torch.optim.SGD([w], { lr: -1 }), torch.nn ? Error : Error, 'Invalid learning rate: -1');
    throwsExactly(() => new torch.optim.SGD([w], { lr: 0.1, momentum: -1 }), Error, 'Invalid momentum value: -1');
    throwsExactly(() => new torch.optim.SGD([w], { lr: 0.1, weightDecay: -1 }), Error, 'Invalid weight_decay value: -1');
    throwsExactly(() => new torch.optim.SGD([w], { lr: 'a' } as never), TypeError, "SGD.__init__(): argument 'lr' must be Number, not str");
    throwsExactly(
      () => new torch.optim.SGD([w], {} as never),
      Error,
      "parameter group didn't specify a value of required optimization parameter lr",
    );
    throwsExactly(() => new torch.optim.SGD([], { lr: 0.1 }), Error, 'optimizer got an empty parameter list');
    throwsExactly(
      () => new torch.optim.SGD(w as never, { lr: 0.1 }),
      TypeError,
      'params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.FloatTensor',
    );
    throwsExactly(
      () => new torch.optim.SGD([1] as never, { lr: 0.1 }),
      TypeError,
      'optimizer can only optimize Tensors, but one of the params is int',
    );
    throwsExactly(() => new torch.optim.SGD([w.mul(2)], { lr: 0.1 }), Error, "can't optimize a non-leaf Tensor");
    throwsExactly(() => F.mseLoss(x, x, { reduction: 'foo' as never }), Error, 'foo is not a valid value for reduction');
    // A module accepts any reduction and refuses it when the loss is computed (as PyTorch).
    const bad = new torch.nn.MSELoss({ reduction: 'foo' as never });
    throwsExactly(() => bad.call(x, x), Error, 'foo is not a valid value for reduction');
    throwsExactly(
      () => any(F.crossEntropy)(x, torch.tensor([0n, 1n]), { reduction: 'foo' }),
      Error,
      'foo is not a valid value for reduction',
    );
    stillWorks();
  });
});

describe('tensor operands: plain arrays and non-tensors', () => {
  it('lists are refused where PyTorch refuses them; other non-tensors name the argument', () => {
    const any = (f: unknown): ((...a: unknown[]) => unknown) => f as (...a: unknown[]) => unknown;
    const x = torch.ones(2, 3);
    throwsExactly(() => any(torch.add)([1, 2], 1), TypeError, "add(): argument 'input' (position 1) must be Tensor, not list");
    throwsExactly(() => any(x.add.bind(x))('abc'), TypeError, "add(): argument 'other' (position 1) must be Tensor, not str");
    throwsExactly(() => any(x.add.bind(x))(null), TypeError, "add(): argument 'other' (position 1) must be Tensor, not NoneType");
    throwsExactly(() => any(x.mul.bind(x))(undefined), TypeError, "mul(): argument 'other' (position 1) must be Tensor, not undefined");
    throwsExactly(() => any(x.sub.bind(x))(new Map()), TypeError, "sub(): argument 'other' (position 1) must be Tensor, not Map");
    throwsExactly(() => any(x.div.bind(x))({}), TypeError, "div(): argument 'other' (position 1) must be Tensor, not dict");
    throwsExactly(() => any(x.add_.bind(x))([1, 2, 3]), TypeError, "add_(): argument 'other' (position 1) must be Tensor, not list");
    throwsExactly(() => any(torch.exp)([1]), TypeError, "exp(): argument 'input' (position 1) must be Tensor, not list");
    throwsExactly(() => any(torch.relu)(null), TypeError, "relu(): argument 'input' (position 1) must be Tensor, not NoneType");
    throwsExactly(() => any(torch.sum)('abc'), TypeError, "sum(): argument 'input' (position 1) must be Tensor, not str");
    throwsExactly(() => any(torch.matmul)(x, [1, 2, 3]), TypeError, "matmul(): argument 'other' (position 1) must be Tensor, not list");
    throwsExactly(() => any(torch.mm)(x, null), TypeError, "mm(): argument 'mat2' (position 1) must be Tensor, not NoneType");
    throwsExactly(() => any(F.linear)(x, 'a'), TypeError, "linear(): argument 'weight' (position 2) must be Tensor, not str");
    throwsExactly(() => any(F.mseLoss)(x, [1, 2]), TypeError, "mseLoss(): argument 'target' (position 2) must be Tensor, not list");
    throwsExactly(() => any(torch.cat)([x, 'a']), TypeError, 'expected Tensor as element 1 in argument 0, but got str');
    throwsExactly(() => any(torch.cat)(x), TypeError, "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor");
    throwsExactly(() => any(torch.stack)([x, [1]]), TypeError, 'expected Tensor as element 1 in argument 0, but got list');
    throwsExactly(() => any(x.copy_.bind(x))([1, 2]), TypeError, "copy_(): argument 'other' (position 1) must be Tensor, not list");
    throwsExactly(() => any(x.expandAs.bind(x))([1, 2]), TypeError, "expandAs(): argument 'other' (position 1) must be Tensor, not list");
    throwsExactly(
      () => any(x.indexSelect.bind(x))(0, [0]),
      TypeError,
      "indexSelect(): argument 'index' (position 2) must be Tensor, not list",
    );
    throwsExactly(() => any(torch.where)([true], x, x), TypeError, "where(): argument 'condition' (position 1) must be Tensor, not list");
    throwsExactly(() => any(F.leakyRelu)(x, 'a'), TypeError, "leakyRelu(): argument 'negative_slope' (position 2) must be Number, not str");
    throwsExactly(() => any(torch.full)([2], 'a'), TypeError, "full(): argument 'fill_value' (position 2) must be Number, not str");
    throwsExactly(() => any(x.fill_.bind(x))('a'), TypeError, "fill_(): argument 'value' (position 1) must be Number, not str");
    throwsExactly(() => any(x.clamp.bind(x))('a'), TypeError, "clamp(): argument 'min' (position 1) must be Number, not str");
    // maximum, minimum and atan2 take two tensors: PyTorch 1.13 refuses a number there.
    throwsExactly(() => any(torch.maximum)(x, 2), TypeError, "maximum(): argument 'other' (position 1) must be Tensor, not int");
    throwsExactly(() => any(torch.minimum)(2.5, x), TypeError, "minimum(): argument 'input' (position 1) must be Tensor, not float");
    throwsExactly(() => any(x.atan2.bind(x))(2), TypeError, "atan2(): argument 'other' (position 1) must be Tensor, not int");
    // torch.tensor accepts lists (as PyTorch does), and scalars mix with tensors everywhere.
    expectClose(
      torch
        .tensor([
          [1, 2],
          [3, 4],
        ])
        .add(1),
      [2, 3, 4, 5],
    );
    expectClose(torch.add(1, torch.ones(2)), [2, 2]);
    expect(torch.add(torch.ones(2, { dtype: 'int64' }), 2n as never).tolist()).toEqual([3, 3]);
    // x was never written by the refused in-place ops.
    expectClose(x, [1, 1, 1, 1, 1, 1]);
    stillWorks();
  });
});

describe('1.13’s texts for item() and requiresGrad on integer tensors', () => {
  it('item() of many elements is a ValueError; integer tensors cannot require grad', () => {
    throwsExactly(() => torch.ones(3).item(), Error, 'only one element tensors can be converted to Python scalars');
    expect(
      (() => {
        try {
          torch.ones(0).item();
        } catch (e) {
          return (e as Error).name;
        }
        return '';
      })(),
    ).toBe('ValueError');
    expect(torch.ones(1, 1).item()).toBe(1);
    const i = torch.ones(3, { dtype: 'int64' });
    throwsExactly(() => i.requiresGrad_(), Error, 'only Tensors of floating point dtype can require gradients');
    throwsExactly(
      () => torch.ones(3, { dtype: 'bool' }).requiresGrad_(),
      Error,
      'only Tensors of floating point dtype can require gradients',
    );
    throwsExactly(
      () => {
        i.requiresGrad = true;
      },
      Error,
      'only Tensors of floating point and complex dtype can require gradients',
    );
    throwsExactly(
      () => torch.ones(3, { dtype: 'int64', requiresGrad: true }),
      Error,
      'Only Tensors of floating point and complex dtype can require gradients',
    );
    throwsExactly(
      () => torch.tensor([1n, 2n], { requiresGrad: true }),
      Error,
      'Only Tensors of floating point and complex dtype can require gradients',
    );
    throwsExactly(
      () => torch.arange(3, { requiresGrad: true }),
      Error,
      'Only Tensors of floating point and complex dtype can require gradients',
    );
    throwsExactly(
      () => new torch.nn.Linear(3, 2, { dtype: 'int64' as never }),
      Error,
      'Only Tensors of floating point and complex dtype can require gradients',
    );
    throwsExactly(
      () => i.requiresGrad_('a' as never),
      TypeError,
      "requiresGrad_(): argument 'requires_grad' (position 1) must be bool, not str",
    );
    expect(i.requiresGrad_(false).requiresGrad).toBe(false);
    stillWorks();
  });
});

describe('refused calls allocate nothing', () => {
  it('no tensor handle or WASM byte is left behind by any refused call', () => {
    const any = (f: unknown): ((...a: unknown[]) => unknown) => f as (...a: unknown[]) => unknown;
    const x = torch.ones(4, 3);
    const w = torch.ones(2, 3);
    // Operands are made before counting: only what the refused calls themselves create counts.
    const x42 = torch.ones(4, 2);
    const a = torch.ones(2, 2, 3);
    const b = torch.ones(2, 4, 2);
    const bias64 = torch.ones(2, { dtype: 'float64' });
    const wt = w.t();
    const calls: (() => unknown)[] = [
      () => F.linear(x42, w),
      () => F.linear(x, w, bias64),
      () => torch.addmm(bias64, x, wt),
      () => any(torch.tensor)('abc'),
      () => any(torch.tensor)([[1, 2], [3]]),
      () => any(torch.ones)(2, { dtype: 'float16' }),
      () => x.select(1, 1.5),
      () => any(x.sum.bind(x))({ keep_dim: true }),
      () => any(x.add.bind(x))([1, 2, 3]),
      () => torch.zeros([2, -1]),
      () => torch.matmul(a, b),
      () => torch.zeros(2, 3, { dtype: 'int64', requiresGrad: true }),
      () => torch.tensor([1n, 2n], { requiresGrad: true }),
    ];
    const before = torch.memory();
    for (const c of calls) expect(c).toThrow();
    const after = torch.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.allocatedBytes).toBe(before.allocatedBytes);
    stillWorks();
  });
});

describe('valid calls are unchanged', () => {
  it('options objects with undefined values, all positional forms and defaults still work', () => {
    const x = torch.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expectClose(x.sum({ dim: 1, keepdim: undefined }), [6, 15]);
    expectClose(x.sum(1, true), [6, 15]);
    expectClose(x.sum([0, 1]), [21]);
    expectClose(x.mean({ dim: [0] }), [2.5, 3.5, 4.5]);
    expectClose(x.var({ dim: 1, unbiased: false }), [2 / 3, 2 / 3]);
    expectClose(x.std(1, true, true), [1, 1]);
    expectClose(x.var(0, { correction: 0 }), [2.25, 2.25, 2.25]);
    expectClose(x.clamp({ min: 2, max: undefined }), [2, 2, 3, 4, 5, 6]);
    expectClose(x.clamp(null, 3), [1, 2, 3, 3, 3, 3]);
    expect(torch.zeros(2, 3, { dtype: 'float64', requiresGrad: true }).requiresGrad).toBe(true);
    expect(torch.zeros([2, 3]).shape).toEqual([2, 3]);
    expect(torch.zeros().shape).toEqual([]);
    expect(torch.ones(2, { dtype: undefined }).dtype).toBe('float32');
    expect(torch.arange(1, 4, { dtype: 'float64' }).dtype).toBe('float64');
    expect(torch.arange(5, 0, -2).tolist()).toEqual([5, 3, 1]);
    expect(torch.linspace(0, 1, 3).tolist()).toEqual([0, 0.5, 1]);
    expectClose(F.softmax(torch.zeros(2), { dim: 0 }), [0.5, 0.5]);
    expectClose(x.reshape(3, 2).view([-1]), [1, 2, 3, 4, 5, 6]);
    expect(x.permute([1, 0]).shape).toEqual([3, 2]);
    expect(x.expand(2, 2, -1).shape).toEqual([2, 2, 3]);
    const w = torch.ones(2, { requiresGrad: true });
    const opt = new torch.optim.SGD([w], { lr: 0.5, momentum: 0, weightDecay: undefined });
    w.mul(w).sum().backward(undefined, { retainGraph: false });
    opt.step();
    expectClose(w, [0, 0]);
    expect(torch.tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(torch.tensor([new Float32Array([1, 2]), new Float32Array([3, 4])] as never).shape).toEqual([2, 2]);
    expect(torch.tensor(true).dtype).toBe('bool');
    expect(torch.tensor([]).shape).toEqual([0]);
    stillWorks();
  });
});

describe('the layer can be driven by declared argument kinds (for an op registry)', () => {
  it('checkArgs gives the same errors as the entries’ own checks', () => {
    const select: V.ArgDecl[] = [
      { name: 'dim', kind: 'int' },
      { name: 'index', kind: 'int' },
    ];
    throwsExactly(
      () => V.checkArgs('select', select, [1, 1.5]),
      TypeError,
      "select(): argument 'index' (position 2) must be int, not float",
    );
    expect(() => V.checkArgs('select', select, [1, -1])).not.toThrow();
    const add: V.ArgDecl[] = [
      { name: 'input', kind: 'TensorOrScalar' },
      { name: 'other', kind: 'TensorOrScalar' },
    ];
    throwsExactly(() => V.checkArgs('add', add, [[1, 2], 1]), TypeError, "add(): argument 'input' (position 1) must be Tensor, not list");
    expect(() => V.checkArgs('add', add, [torch.ones(1), 2])).not.toThrow();
    throwsExactly(() => V.checkArg('size', [2, -3], 'zeros', 'size'), Error, 'Trying to create tensor with negative dimension -3: [2, -3]');
    throwsExactly(() => V.checkArg('reduction', 'avg', 'mseLoss', 'reduction'), Error, 'avg is not a valid value for reduction');
    const spec = V.optionSpec('myOp', { keepdim: 'bool' });
    throwsExactly(
      () => V.options(spec, { keep_dim: true }),
      TypeError,
      "myOp() got an unexpected keyword argument 'keep_dim' (did you mean keepdim?)",
    );
    throwsExactly(() => V.options(spec, { toString: 1 }), TypeError, "myOp() got an unexpected keyword argument 'toString'");
    throwsExactly(() => V.options(spec, 5), TypeError, 'myOp(): the options argument must be an object, not int');
  });

  it('grad-mode, scope and backward entries check their arguments too', () => {
    const any = (f: unknown): ((...a: unknown[]) => unknown) => f as (...a: unknown[]) => unknown;
    throwsExactly(() => any(torch.setGradEnabled)('a'), TypeError, 'enabled must be a bool (got str)');
    throwsExactly(() => any(torch.noGrad)(5), TypeError, "noGrad(): argument 'fn' (position 1) must be a function, not int");
    throwsExactly(() => any(torch.scope)(undefined), TypeError, "scope(): argument 'fn' (position 1) must be a function, not undefined");
    throwsExactly(() => any(torch.keep)([1]), TypeError, "keep(): argument 'tensor' (position 1) must be Tensor, not list");
    const w = torch.ones(2, { requiresGrad: true });
    const l = w.mul(w).sum();
    throwsExactly(() => any(l.backward.bind(l))('a'), TypeError, 'gradients can be either Tensors or None, but got str');
    throwsExactly(() => any(l.backward.bind(l))([1]), TypeError, 'gradients can be either Tensors or None, but got list');
    throwsExactly(
      () => any(l.backward.bind(l))(undefined, { retainGraph: 'a' }),
      TypeError,
      "Tensor.backward(): argument 'retainGraph' must be bool, not str",
    );
    expect(torch.isGradEnabled()).toBe(true);
    l.backward(torch.tensor(1));
    expectClose(w.grad, [2, 2]);
    stillWorks();
  });
});

describe('products with an empty operand (PyTorch 1.13 skips the dtype check and returns zeros)', () => {
  const f64 = { dtype: 'float64' as const };
  // [op, result dtype, shape] as PyTorch 1.13 gives them: mm in self's dtype, mv in vec's, bmm in mat2's.
  const cases: [string, () => Tensor, string, number[]][] = [
    ['mm [1,0]f32 @ [0,3]f64', () => torch.mm(torch.ones(1, 0), torch.ones(0, 3, f64)), 'float32', [1, 3]],
    ['mm [3,0]f64 @ [0,1]f32', () => torch.mm(torch.ones(3, 0, f64), torch.ones(0, 1)), 'float64', [3, 1]],
    ['mm [0,2]f32 @ [2,3]f64', () => torch.mm(torch.ones(0, 2), torch.ones(2, 3, f64)), 'float32', [0, 3]],
    ['mv [2,0]f32 @ [0]f64', () => torch.mv(torch.ones(2, 0), torch.ones(0, f64)), 'float64', [2]],
    ['mv [2,0]f64 @ [0]f32', () => torch.mv(torch.ones(2, 0, f64), torch.ones(0)), 'float32', [2]],
    ['bmm [1,2,0]f32 @ [1,0,2]f64', () => torch.bmm(torch.ones(1, 2, 0), torch.ones(1, 0, 2, f64)), 'float64', [1, 2, 2]],
    ['bmm [1,2,0]f64 @ [1,0,2]f32', () => torch.bmm(torch.ones(1, 2, 0, f64), torch.ones(1, 0, 2)), 'float32', [1, 2, 2]],
    ['matmul [2,0]f32 @ [0,2]f64', () => torch.matmul(torch.ones(2, 0), torch.ones(0, 2, f64)), 'float32', [2, 2]],
  ];
  for (const [name, f, dtype, shape] of cases) {
    it(name, () => {
      const y = f();
      expect(y.dtype).toBe(dtype);
      expect(Array.from(y.shape)).toEqual(shape);
      expect(Array.from(y.toArray() as Float32Array).every((v) => v === 0)).toBe(true);
    });
  }
  it('a non-empty mixed product still raises, and gradients of an empty one keep their dtypes', () => {
    expect(() => torch.mm(torch.ones(2, 3), torch.ones(3, 2, f64))).toThrow('expected scalar type Float but found Double');
    const a = torch.ones(1, 0, { requiresGrad: true });
    const b = torch.ones(0, 3, { dtype: 'float64', requiresGrad: true });
    torch.mm(a, b).sum().backward();
    expect([a.grad?.dtype, Array.from(a.grad?.shape ?? [])]).toEqual(['float32', [1, 0]]);
    expect([b.grad?.dtype, Array.from(b.grad?.shape ?? [])]).toEqual(['float64', [0, 3]]);
  });
});

describe("permute: the method takes dims as Python's x.permute(*dims), the function a list", () => {
  it('x.permute() and x.permute([]) miss their dims; torch.permute(x, []) permutes a 0-d tensor', () => {
    const x = torch.tensor(1.5, { requiresGrad: true });
    expect(() => x.permute()).toThrow('permute() missing 1 required positional arguments: "dims"');
    expect(() => x.permute([])).toThrow('permute() missing 1 required positional arguments: "dims"');
    const y = torch.permute(x, []);
    expect(String(y)).toBe('tensor(1.5000, grad_fn=<PermuteBackward0>)');
    y.backward();
    expect(x.grad?.item()).toBe(1);
    expect(Array.from(torch.ones(2, 3).permute(1, 0).shape)).toEqual([3, 2]);
    expect(Array.from(torch.ones(2, 3).permute([1, 0]).shape)).toEqual([3, 2]);
  });
});

describe('index_select out of range: PyTorch 1.13 CPU words dim 1 differently', () => {
  // [shape, dim, index, message] from PyTorch 1.13.
  const cases: [number[], number, number[], string][] = [
    [[2, 3], 0, [5], 'index out of range in self'],
    [[2, 3], 1, [5], 'INDICES element is out of DATA bounds, id=5 axis_dim=3'],
    [[2, 3, 4], 1, [9], 'INDICES element is out of DATA bounds, id=9 axis_dim=3'],
    [[2, 3, 4], 2, [9], 'index out of range in self'],
    [[4, 1], 1, [0, 3, 2], 'INDICES element is out of DATA bounds, id=3 axis_dim=1'],
    [[1, 3], 1, [-5], 'INDICES element is out of DATA bounds, id=-5 axis_dim=3'],
    [[4], 0, [9], 'index out of range in self'],
  ];
  for (const [shape, dim, idx, msg] of cases) {
    it(`[${shape}] dim ${dim} index [${idx}]`, () => {
      const index = torch.tensor(idx.map(BigInt));
      throwsExactly(() => torch.indexSelect(torch.ones(shape), dim, index), RangeError, msg);
      expect(torch.indexSelect(torch.ones(shape), dim, torch.tensor([0n])).shape[dim]).toBe(1);
    });
  }
});
