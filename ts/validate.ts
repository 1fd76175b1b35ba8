// Argument validation for every public entry: one layer, called before any kernel touches memory.
//
// Each checker takes the value, the entry's name as the user called it (`select`, `zerosLike`,
// `SGD.__init__`), the argument's name and, for positional arguments, its position; it returns
// nothing and throws PyTorch 1.13's error (type and text) where PyTorch has one, or a message in
// the same form naming the entry, the argument and what was passed.
//
// Positions follow PyTorch's numbering for the Tensor-method form (`x.select(dim, index)`: dim is
// position 1, index 2); the tensor an op works on is "argument 'input' (position 1)", which is the
// only form in which it can be something else than a Tensor (`torch.exp([1])`).
//
// The checkers are also reachable by argument kind (`checkArg(kind, ...)`, `ArgKind`), so an op
// registry entry that declares its arguments' kinds can validate a call from that declaration.
//
// Cost on the common path: a tensor operand is one brand check (brand.ts), an integer one typeof +
// Number.isInteger; options objects are checked against key tables built once per entry at load
// time (a for-in over the object, no allocation).
//
// The checkers live in ./validate/, by what they check; this file re-exports them (callers import
// `* as V from './validate.js'`), naming each export so the helpers the files share stay private:
//   names.ts     how values are named in messages, the error builders, foreign tensors, ValueError
//   args.ts      single arguments (tensors, scalars, ints, dims, shapes, dtypes, reduction, callbacks)
//                and the same checkers by declared kind (checkArg, checkArgs)
//   options.ts   options objects (optionSpec, options)
//   data.ts      torch.tensor's nested data
//   products.ts  the matrix-product family (mm, mv, bmm, dot, addmm, matmul, linear), broadcastInto
//   operands.ts  the other op-specific operand checks (softmax, cat, where, index_select, losses)
export { ValueError, argTypeError, foreignTensorError, scalarName, typeName } from './validate/names.js';
export {
  DTYPES,
  bool,
  callback,
  checkArg,
  checkArgs,
  dims,
  dtype,
  int,
  intList,
  isDType,
  number,
  operand,
  optInt,
  optNumber,
  optTensor,
  reduction,
  size,
  tensor,
  viewShape,
} from './validate/args.js';
export type { ArgDecl, ArgKind } from './validate/args.js';
export { isOptions, optionSpec, options } from './validate/options.js';
export type { OptKind, OptionSpec } from './validate/options.js';
export { nestedData } from './validate/data.js';
export type { Leaf } from './validate/data.js';
export {
  addmmOperands,
  bmmOperands,
  broadcastInto,
  dotOperands,
  linearOperands,
  linearUsesAddmm,
  matmulOperands,
  matmulShape,
  mmOperands,
  mvOperands,
} from './validate/products.js';
export {
  bceOperands,
  catOperands,
  crossEntropyOperands,
  floatInput,
  indexOperand,
  mseOperands,
  nllOperands,
  softmaxInput,
  whereCondition,
} from './validate/operands.js';
