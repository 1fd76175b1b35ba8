// The op registry's vocabulary: what one entry says about an op. Every op of the library is one
// entry (ops/<kind>.ts); ops/index.ts collects them and derives from them the Tensor methods, the
// `torch.*` and `nn.functional` exports, and what the tests read (gradcheck samples, the golden
// files' signatures, the op list in docs/ops.md).
import type { Tensor } from '../tensor.js';
import type { FloatKernel, KernelName } from '../core/wasm.js';

export type OpKind =
  | 'creation'
  | 'conversion'
  | 'elementwise'
  | 'comparison'
  | 'reduction'
  | 'movement'
  | 'indexing'
  | 'linalg'
  | 'nn'
  | 'loss'
  | 'inplace';

// biome-ignore lint/suspicious/noExplicitAny: a function of any signature (its parameters are read with Parameters<>).
export type AnyFn = (...args: any[]) => unknown;
/** A method whose receiver is the first parameter. */
// biome-ignore lint/suspicious/noExplicitAny: as AnyFn.
export type MethodAdapter = (self: Tensor, ...args: any[]) => unknown;

/** Values a generated test draws an input from. */
export type Domain = readonly [lo: number, hi: number];

/** One argument of a test sample. */
export type SampleArg =
  /** A float64 tensor of this shape, values uniform in `domain` (default the entry's), requiring grad unless `grad: false`. */
  | { readonly shape: readonly number[]; readonly domain?: Domain; readonly grad?: false }
  /** An int64 tensor holding these values (indices, class targets). */
  | { readonly ints: readonly number[]; readonly shape?: readonly number[] }
  /** A bool tensor holding these values (conditions, masks). */
  | { readonly bools: readonly boolean[] }
  /** A list of bool tensors holding these values (index_put_'s indices). */
  | { readonly masks: readonly (readonly boolean[])[] }
  /** A list of int64 tensors holding these values, shaped (index_put's indices). */
  | { readonly indexList: readonly { readonly ints: readonly number[]; readonly shape?: readonly number[] }[] }
  /** The very tensor passed as argument `same` of this sample (x * x: both operands one leaf). */
  | { readonly same: number }
  /** A list of tensors (cat, stack). */
  | { readonly list: readonly { readonly shape: readonly number[] }[] }
  | number
  | boolean
  | string
  | null
  | readonly number[]
  | { readonly options: Readonly<Record<string, unknown>> };

/** Arguments for a generated test: passed to the entry's `fn` (or to the named method form). */
export interface Sample {
  readonly args: readonly SampleArg[];
  readonly note?: string;
}

export interface OpTest {
  /**
   * 'twice': gradcheck and gradgradcheck in float64; 'once': gradcheck only (a backward that is
   * not differentiable where PyTorch's is: none left); 'no': not differentiable (creation,
   * comparison, integer results) and the reason why.
   */
  readonly grad: 'twice' | 'once' | { readonly no: string };
  /** Where generated elementwise samples draw their values (default [-1.5, 1.5]). */
  readonly domain?: Domain;
  /** Points where the op's derivative jumps: generated samples keep this far from them. */
  readonly kinks?: readonly number[];
  /** Generated values of one tensor keep apart (amax/amin: a tie changes the gradient, so no finite difference may cross one). */
  readonly distinct?: boolean;
  /** Explicit samples; elementwise and reduction entries also get generated ones. */
  readonly samples?: readonly Sample[];
}

/** Argument kinds of the golden files (README of ../shared/golden): T tensor, N tensor or number, F number, I int, L int list, TL tensor list. */
export type GoldenArg = 'T' | 'N' | 'F' | 'I' | 'L' | 'IL' | 'TL';

/** How the golden files and the fuzzer's programs spell a call of this op. */
export interface PySignature {
  /** The accepted positional argument lists. */
  readonly args: readonly (readonly GoldenArg[])[];
  /**
   * Keyword arguments (snake_case, as PyTorch names them), in the order PyTorch also takes them
   * positionally: the fuzzer (../shared/fuzz/gen.py) passes them positionally in that order (the
   * losses: reduction first, the one gen.py passes).
   */
  readonly kwargs?: readonly string[];
  /** Keywords passed as trailing positional arguments in `kwargs` order (default: one options object). */
  readonly kwPositional?: boolean;
  /** Keywords passed as leading positional arguments in `kwargs` order (einsum's equation). */
  readonly kwFirst?: boolean;
  /** Which JavaScript form the call goes through (default `torch`). */
  readonly via?: 'torch' | 'functional';
  /**
   * Optional tensor operands PyTorch takes as trailing positional arguments (a loss's `weight`),
   * which the JavaScript form takes in its options object: the tensors after the shortest form's
   * arguments go there under these (snake_case) names.
   */
  readonly tensorKwargs?: readonly string[];
}

export interface OpSpec<F extends AnyFn = AnyFn> {
  /** camelCase name: `torch.<name>` when exported there. */
  readonly name: string;
  /** PyTorch's name (torch.<py>, Tensor.<py> or F.<py>). */
  readonly py: string;
  readonly kind: OpKind;
  /** The op, receiver first. */
  readonly fn: F;
  /** One-line summary for docs/ops.md. */
  readonly doc: string;
  /** PyTorch's node names this op records (grad_fn.name()), in the order they are documented. */
  readonly nodes: readonly string[];
  /** The core kernels it calls: export names, or families picked by dtype (`exp` is exp_f32 / exp_f64), typed against the built .wasm. */
  readonly kernels: readonly (KernelName | FloatKernel)[];
  /** How the result's dtype follows the inputs'. */
  readonly dtype: DtypeRule;
  /** What a node of this op saves for backward. */
  readonly saves: string;
  /** Exported as `torch.<name>` (default true); false for methods only (in-place ops). */
  readonly torch?: boolean;
  /** Tensor methods: method name -> `true` (the op itself, receiver first) or an adapter. */
  readonly methods?: Readonly<Record<string, true | MethodAdapter>>;
  /** Read-only Tensor properties computed by the op (`x.T`): name -> adapter. */
  readonly properties?: Readonly<Record<string, MethodAdapter>>;
  /** Extra `torch.*` names (aliases, e.g. clip) -> the op itself or an adapter. */
  readonly aliases?: Readonly<Record<string, true | AnyFn>>;
  /** `nn.functional` names -> the op itself or an adapter. */
  readonly functional?: Readonly<Record<string, true | AnyFn>>;
  /** Set by unaryOp / binaryOp: the op is `fn(x)` / `fn(x, y)` of float tensors, so generic tests can call it. */
  readonly signature?: 'unary' | 'binary';
  /** The golden files' and fuzzer's spelling, when they use this op. */
  readonly golden?: PySignature;
  readonly test: OpTest;
}

export type DtypeRule =
  /** Integer and bool inputs give float32 (PyTorch's unary float ops). */
  | 'float'
  /** PyTorch's type promotion over tensors and Python scalars. */
  | 'promote'
  /** Promotion, and integer results become float32 (true division). */
  | 'promote-float'
  /** bool. */
  | 'bool'
  /** Same as the (first) input. */
  | 'same'
  /** From the options (dtype, default float32; int64 for integer arange). */
  | 'options'
  /** The dtype asked for. */
  | 'target'
  | 'int64';

/**
 * An entry. Its literal type is kept, but nothing derives types from it at compile time:
 * scripts/registry-types.mjs reads the entries' syntax and writes the method and export types.
 */
export function defineOp<const S extends OpSpec>(spec: S): S {
  return spec;
}
