// Kernel-level memory safety: every operand and output block is surrounded by 64 guard bytes of a
// pattern, and the output starts filled with it. Each kernel family runs on every SIMD tail length
// (SIZES), contiguous and strided, under two patterns (0xff: NaN in every float width, and 0x41):
// the guards must be intact afterwards (no write outside), and the output bytes must be identical
// under both patterns (no read outside an operand, no output element left unwritten).
// The library-level counterpart, over every exported op and its backward, is tests/guards.test.ts.
import {
  alloc, free,
  fill_f32, fill_f64, arange_f32, arange_f64, linspace_f32, linspace_f64,
  cast_f32_f64, cast_f64_f32, cast_i64_f32, cast_i64_f64, cast_u8_f32, cast_u8_f64,
  cast_f32_i64, cast_f64_i64, cast_f32_u8, cast_f64_u8,
  neg_f32, neg_f64, exp_f32, exp_f64, log_f32, log_f64, sqrt_f32, sqrt_f64, abs_f32, abs_f64,
  sin_f32, sin_f64, cos_f32, cos_f64, tanh_f32, tanh_f64, sigmoid_f32, sigmoid_f64,
  relu_f32, relu_f64, reciprocal_f32, reciprocal_f64, square_f32, square_f64, sign_f32, sign_f64,
  logical_not_u8,
  add_f32, add_f64, sub_f32, sub_f64, mul_f32, mul_f64, div_f32, div_f64, pow_f32, pow_f64,
  maximum_f32, maximum_f64, minimum_f32, minimum_f64,
  gt_f32, gt_f64, lt_f32, lt_f64, ge_f32, ge_f64, le_f32, le_f64, eq_f32, eq_f64, ne_f32, ne_f64,
  logical_and_u8, logical_or_u8, where_f32, where_f64,
  sum_f32, sum_f64, mean_f32, mean_f64, max_f32, max_f64, min_f32, min_f64,
  logsumexp_f32, logsumexp_f64, softmax_f32, softmax_f64, log_softmax_f32, log_softmax_f64,
  matmul_f32, matmul_f64, copy_b1, copy_b4, copy_b8,
  index_select_b1, index_select_b4, index_select_b8, index_add_f32, index_add_f64, one_hot_f32, one_hot_f64,
  rand_f32, rand_f64, randn_f32, randn_f64, rng_seed,
} from "../../assembly/index";
import {
  setMeta, SIZES, nextRand, reseed, bytesOf, isF32, Un, Bin, Red, un, bin, red, clampK, leakyK, scaleK, powsK, rpowsK, varK,
} from "./helpers";

const G: i32 = 64;
const PATTERNS: StaticArray<u8> = [0xff, 0x41];

// ---- guarded blocks --------------------------------------------------------------------------

let blocks: usize[] = [];
let blockBytes: i32[] = [];
let faults = 0;
let pattern: u8 = 0xff;

/** A block of `bytes` between two guard regions; guards and contents are the current pattern. */
function gAlloc(bytes: i32): usize {
  let raw = alloc(<u32>(bytes + 2 * G));
  assert(raw != 0, "alloc failed");
  memory.fill(raw, pattern, <usize>(bytes + 2 * G));
  blocks.push(raw + G);
  blockBytes.push(bytes);
  return raw + G;
}

/** An input block of `n` elements of `size` bytes with deterministic values (pattern-independent). */
function input(n: i32, size: i32, kind: i32): usize {
  let p = gAlloc(n * size);
  for (let i = 0; i < n; i++) {
    let v = nextRand(-2.0, 2.0);
    if (kind == 1) v = Math.abs(v) + 0.25; // positive
    if (size == 4) store<f32>(p + (<usize>i << 2), <f32>v);
    else if (size == 8 && kind != 2) store<f64>(p + (<usize>i << 3), v);
    else if (size == 8) store<i64>(p + (<usize>i << 3), <i64>Math.floor(Math.abs(v) * 2)); // small indices
    else store<u8>(p + <usize>i, <u8>(v > 0 ? 1 : 0));
  }
  return p;
}

/** Checks and frees every block; returns a hash of the bytes of `out` (its first `bytes`). */
function finish(out: usize, bytes: i32): u64 {
  let h: u64 = 0xcbf29ce484222325;
  for (let i = 0; i < bytes; i++) h = (h ^ <u64>load<u8>(out + <usize>i)) * 0x100000001b3;
  for (let k = 0; k < blocks.length; k++) {
    let p = blocks[k];
    let b = blockBytes[k];
    for (let i = 0; i < G; i++) {
      if (load<u8>(p - G + <usize>i) != pattern || load<u8>(p + <usize>(b + i)) != pattern) {
        faults++;
        break;
      }
    }
    free(p - G);
  }
  blocks = [];
  blockBytes = [];
  return h;
}

/** Runs `body(n)` under both patterns with the same inputs; counts faults and differing outputs. */
function both(body: (n: i32) => u64, n: i32): i32 {
  let bad = 0;
  let first: u64 = 0;
  for (let k = 0; k < PATTERNS.length; k++) {
    pattern = PATTERNS[k];
    reseed(777 + <u32>n);
    faults = 0;
    let h = body(n);
    bad += faults;
    if (k == 0) first = h;
    else if (h != first) bad++;
  }
  return bad;
}

function overSizes(body: (n: i32) => u64): i32 {
  let bad = 0;
  for (let s = 0; s < SIZES.length; s++) bad += both(body, SIZES[s]);
  return bad;
}

// ---- unary -----------------------------------------------------------------------------------

let unK: Un = neg_f32;
let unIn: i32 = 4;
let unOut: i32 = 4;
let unKind: i32 = 0;

function unaryBody(n: i32): u64 {
  let x = input(n, unIn, unKind);
  let o = gAlloc(n * unOut);
  unK(o, x, n);
  return finish(o, n * unOut);
}

function unaryBad(k: Un, inSize: i32, outSize: i32, kind: i32): i32 {
  unK = k;
  unIn = inSize;
  unOut = outSize;
  unKind = kind;
  return overSizes(unaryBody);
}

/** The float unary kernels of T (parameters as in the specs' other uses). */
function floatUnariesBad<T>(): i32 {
  let ks: Un[] = [un<T>(neg_f32, neg_f64), un<T>(exp_f32, exp_f64), un<T>(log_f32, log_f64),
    un<T>(sqrt_f32, sqrt_f64), un<T>(abs_f32, abs_f64), un<T>(sin_f32, sin_f64), un<T>(cos_f32, cos_f64),
    un<T>(tanh_f32, tanh_f64), un<T>(sigmoid_f32, sigmoid_f64), un<T>(relu_f32, relu_f64),
    un<T>(reciprocal_f32, reciprocal_f64), un<T>(square_f32, square_f64), un<T>(sign_f32, sign_f64),
    (o: usize, x: usize, n: i32): void => clampK<T>(o, x, n, -0.5, 0.7),
    (o: usize, x: usize, n: i32): void => leakyK<T>(o, x, n, 0.2),
    (o: usize, x: usize, n: i32): void => powsK<T>(o, x, n, 2.5),
    (o: usize, x: usize, n: i32): void => powsK<T>(o, x, n, 2.0),
    (o: usize, x: usize, n: i32): void => rpowsK<T>(o, x, n, 1.5),
    (o: usize, x: usize, n: i32): void => scaleK<T>(o, x, n, -3.0)];
  let bad = 0;
  for (let i = 0; i < ks.length; i++) bad += unaryBad(ks[i], bytesOf<T>(), bytesOf<T>(), 1);
  return bad;
}

/** fill, arange, linspace, rand, randn of T. */
function creationBad<T>(): i32 {
  let ks: Un[] = [
    (o: usize, x: usize, n: i32): void => { if (isF32<T>()) fill_f32(o, n, 1.5); else fill_f64(o, n, 1.5); },
    (o: usize, x: usize, n: i32): void => { if (isF32<T>()) arange_f32(o, n, -2.0, 0.5); else arange_f64(o, n, -2.0, 0.5); },
    (o: usize, x: usize, n: i32): void => { if (isF32<T>()) linspace_f32(o, n, -1.0, 2.0); else linspace_f64(o, n, -1.0, 2.0); },
    (o: usize, x: usize, n: i32): void => { rng_seed(1, 2); if (isF32<T>()) rand_f32(o, n); else rand_f64(o, n); },
    (o: usize, x: usize, n: i32): void => { rng_seed(1, 2); if (isF32<T>()) randn_f32(o, n); else randn_f64(o, n); },
  ];
  let bad = 0;
  for (let i = 0; i < ks.length; i++) bad += unaryBad(ks[i], bytesOf<T>(), bytesOf<T>(), 0);
  return bad;
}

describe("kernels stay inside their operands", () => {
  test("unary and cast kernels", () => {
    let bad = 0;
    bad += floatUnariesBad<f32>();
    bad += floatUnariesBad<f64>();
    bad += unaryBad(cast_f32_f64, 4, 8, 0);
    bad += unaryBad(cast_f64_f32, 8, 4, 0);
    bad += unaryBad(cast_i64_f32, 8, 4, 2);
    bad += unaryBad(cast_i64_f64, 8, 8, 2);
    bad += unaryBad(cast_u8_f32, 1, 4, 0);
    bad += unaryBad(cast_u8_f64, 1, 8, 0);
    bad += unaryBad(cast_f32_i64, 4, 8, 0);
    bad += unaryBad(cast_f64_i64, 8, 8, 0);
    bad += unaryBad(cast_f32_u8, 4, 1, 0);
    bad += unaryBad(cast_f64_u8, 8, 1, 0);
    bad += unaryBad(logical_not_u8, 1, 1, 0);
    expect(bad).toBe(0);
  });

  test("fill, arange, linspace, rand, randn", () => {
    let bad = 0;
    bad += creationBad<f32>();
    bad += creationBad<f64>();
    expect(bad).toBe(0);
  });
});

// ---- binary and where (strided, broadcasting) ------------------------------------------------

let binK: Bin = add_f32;
let binIn: i32 = 4;
let binOut: i32 = 4;
let binLayout: i32 = 0;

function binaryBody(n: i32): u64 {
  // 0: flat; 1: a broadcast scalar; 2: [3, n] with a transposed (stored [n, 3]) and b broadcast over rows
  if (binLayout == 0) {
    let a = input(n, binIn, 1);
    let b = input(n, binIn, 1);
    let o = gAlloc(n * binOut);
    setMeta([n, 1, 1]);
    binK(o, a, b, 1);
    return finish(o, n * binOut);
  }
  if (binLayout == 1) {
    let a = input(1, binIn, 1);
    let b = input(n, binIn, 1);
    let o = gAlloc(n * binOut);
    setMeta([n, 0, 1]);
    binK(o, a, b, 1);
    return finish(o, n * binOut);
  }
  let a = input(3 * n, binIn, 1);
  let b = input(n, binIn, 1);
  let o = gAlloc(3 * n * binOut);
  setMeta([3, n, 1, 3, 0, 1]);
  binK(o, a, b, 2);
  return finish(o, 3 * n * binOut);
}

function binaryBad(k: Bin, inSize: i32, outSize: i32): i32 {
  binK = k;
  binIn = inSize;
  binOut = outSize;
  let bad = 0;
  for (binLayout = 0; binLayout < 3; binLayout++) bad += overSizes(binaryBody);
  return bad;
}

let whereSize: i32 = 4;
function whereBody(n: i32): u64 {
  let c = input(2 * n, 1, 0);
  let a = input(n, whereSize, 0);
  let b = input(2 * n, whereSize, 0);
  let o = gAlloc(2 * n * whereSize);
  setMeta([2, n, n, 1, 0, 1, 1, 2]); // shape; cond rows; a broadcast over rows; b transposed
  if (whereSize == 4) where_f32(o, c, a, b, 2);
  else where_f64(o, c, a, b, 2);
  return finish(o, 2 * n * whereSize);
}

/** Arithmetic (T out) and comparisons (u8 out) of T. */
function floatBinariesBad<T>(): i32 {
  let ar: Bin[] = [bin<T>(add_f32, add_f64), bin<T>(sub_f32, sub_f64), bin<T>(mul_f32, mul_f64),
    bin<T>(div_f32, div_f64), bin<T>(pow_f32, pow_f64), bin<T>(maximum_f32, maximum_f64),
    bin<T>(minimum_f32, minimum_f64)];
  let cmp: Bin[] = [bin<T>(gt_f32, gt_f64), bin<T>(lt_f32, lt_f64), bin<T>(ge_f32, ge_f64),
    bin<T>(le_f32, le_f64), bin<T>(eq_f32, eq_f64), bin<T>(ne_f32, ne_f64)];
  let bad = 0;
  for (let i = 0; i < ar.length; i++) bad += binaryBad(ar[i], bytesOf<T>(), bytesOf<T>());
  for (let i = 0; i < cmp.length; i++) bad += binaryBad(cmp[i], bytesOf<T>(), 1);
  return bad;
}

describe("binary kernels stay inside their operands", () => {
  test("arithmetic, comparisons, logical, where", () => {
    let bad = 0;
    bad += floatBinariesBad<f32>();
    bad += floatBinariesBad<f64>();
    bad += binaryBad(logical_and_u8, 1, 1);
    bad += binaryBad(logical_or_u8, 1, 1);
    whereSize = 4;
    bad += overSizes(whereBody);
    whereSize = 8;
    bad += overSizes(whereBody);
    expect(bad).toBe(0);
  });
});

// ---- reductions and softmax --------------------------------------------------------------------

let redK: Red = sum_f32;
let redSize: i32 = 4;
let redShape: i32 = 0;
let redWholeOut: bool = false;

function reduceBody(n: i32): u64 {
  let outer = redShape == 0 ? 1 : redShape == 1 ? 3 : 2;
  let inner = redShape == 2 ? 3 : 1;
  let x = input(outer * n * inner, redSize, 0);
  let outN = redWholeOut ? outer * n * inner : outer * inner;
  let o = gAlloc(outN * redSize);
  redK(o, x, outer, n, inner);
  return finish(o, outN * redSize);
}

function reduceBad(k: Red, size: i32, wholeOut: bool): i32 {
  redK = k;
  redSize = size;
  redWholeOut = wholeOut;
  let bad = 0;
  for (redShape = 0; redShape < 3; redShape++) bad += overSizes(reduceBody);
  return bad;
}

/** The reductions of T (one output per row) and softmax / log_softmax (a whole output). */
function reductionsBad<T>(): i32 {
  let rs: Red[] = [red<T>(sum_f32, sum_f64), red<T>(mean_f32, mean_f64), red<T>(max_f32, max_f64),
    red<T>(min_f32, min_f64), red<T>(logsumexp_f32, logsumexp_f64),
    (o: usize, x: usize, a: i32, n: i32, b: i32): void => varK<T>(o, x, a, n, b, isF32<T>() ? 1.0 : 0.0)]; // corrections as before
  let bad = 0;
  for (let i = 0; i < rs.length; i++) bad += reduceBad(rs[i], bytesOf<T>(), false);
  bad += reduceBad(red<T>(softmax_f32, softmax_f64), bytesOf<T>(), true);
  bad += reduceBad(red<T>(log_softmax_f32, log_softmax_f64), bytesOf<T>(), true);
  return bad;
}

describe("reductions stay inside their operands", () => {
  test("sum, mean, max, min, logsumexp, var, softmax, log_softmax", () => {
    let bad = 0;
    bad += reductionsBad<f32>();
    bad += reductionsBad<f64>();
    expect(bad).toBe(0);
  });
});

// ---- matmul ----------------------------------------------------------------------------------

let mmSize: i32 = 4;
let mmTransposed: bool = false;

function matmulBody(n: i32): u64 {
  // (M, K, N) = (n, n+1, 2n+1) and friends: every tail of the SIMD width on every axis
  let M = n;
  let K = n + (n & 1) + 1;
  let N = 2 * n + 1;
  let B = 2;
  let a = input(B * M * K, mmSize, 0);
  let b = input(B * K * N, mmSize, 0);
  let o = gAlloc(B * M * N * mmSize);
  // contiguous: a [B, M, K], b [B, K, N]; transposed: a stored [B, K, M], b stored [B, N, K]
  let ars = mmTransposed ? 1 : K;
  let acs = mmTransposed ? M : 1;
  let brs = mmTransposed ? 1 : N;
  let bcs = mmTransposed ? K : 1;
  if (mmSize == 4) matmul_f32(o, a, b, B, M, K, N, M * K, ars, acs, K * N, brs, bcs);
  else matmul_f64(o, a, b, B, M, K, N, M * K, ars, acs, K * N, brs, bcs);
  return finish(o, B * M * N * mmSize);
}

describe("matmul stays inside its operands", () => {
  test("f32 and f64, contiguous and transposed, every tail", () => {
    let bad = 0;
    for (let s = 0; s < 2; s++) {
      mmSize = s == 0 ? 4 : 8;
      mmTransposed = false;
      bad += overSizes(matmulBody);
      mmTransposed = true;
      bad += overSizes(matmulBody);
    }
    // large enough for the packed, blocked path
    mmSize = 4;
    mmTransposed = false;
    bad += both(matmulBody, 67);
    mmTransposed = true;
    bad += both(matmulBody, 67);
    expect(bad).toBe(0);
  });
});

// ---- movement --------------------------------------------------------------------------------

let mvSize: i32 = 4;
function copyBody(n: i32): u64 {
  // out [3, n] contiguous <- x stored [n, 3] read transposed
  let x = input(3 * n, mvSize, 0);
  let o = gAlloc(3 * n * mvSize);
  setMeta([3, n, n, 1, 1, 3]);
  if (mvSize == 1) copy_b1(o, x, 2);
  else if (mvSize == 4) copy_b4(o, x, 2);
  else copy_b8(o, x, 2);
  return finish(o, 3 * n * mvSize);
}
function copyFlatBody(n: i32): u64 {
  let x = input(n, mvSize, 0);
  let o = gAlloc(n * mvSize);
  setMeta([n, 1, 1]);
  if (mvSize == 1) copy_b1(o, x, 1);
  else if (mvSize == 4) copy_b4(o, x, 1);
  else copy_b8(o, x, 1);
  return finish(o, n * mvSize);
}
function indexBody(n: i32): u64 {
  // x [2, n+1, 3]; 5 indices into dim 1 (in range: |v|*2 floors to 0..4, clamped below)
  let d = n + 1;
  let x = input(2 * d * 3, mvSize, 0);
  let idx = gAlloc(5 * 8);
  for (let j = 0; j < 5; j++) store<i64>(idx + (<usize>j << 3), <i64>((j * 7 + n) % d));
  let o = gAlloc(2 * 5 * 3 * mvSize);
  if (mvSize == 1) index_select_b1(o, x, idx, 2, 5, 3, d);
  else if (mvSize == 4) index_select_b4(o, x, idx, 2, 5, 3, d);
  else index_select_b8(o, x, idx, 2, 5, 3, d);
  return finish(o, 2 * 5 * 3 * mvSize);
}
function indexAddBody(n: i32): u64 {
  let d = n + 1;
  let src = input(2 * 5 * 3, mvSize, 0);
  let idx = gAlloc(5 * 8);
  for (let j = 0; j < 5; j++) store<i64>(idx + (<usize>j << 3), <i64>((j * 7 + n) % d));
  let o = gAlloc(2 * d * 3 * mvSize);
  memory.fill(o, 0, <usize>(2 * d * 3 * mvSize)); // index_add accumulates into zeros
  if (mvSize == 4) index_add_f32(o, src, idx, 2, 5, 3, d);
  else index_add_f64(o, src, idx, 2, 5, 3, d);
  return finish(o, 2 * d * 3 * mvSize);
}
function oneHotBody(n: i32): u64 {
  let c = n + 1;
  let idx = gAlloc(n * 8);
  for (let j = 0; j < n; j++) store<i64>(idx + (<usize>j << 3), <i64>((j * 5) % c));
  let o = gAlloc(n * c * mvSize);
  if (mvSize == 4) one_hot_f32(o, idx, n, c);
  else one_hot_f64(o, idx, n, c);
  return finish(o, n * c * mvSize);
}

describe("data movement stays inside its operands", () => {
  test("strided copy, index_select, index_add, one_hot", () => {
    let bad = 0;
    let sizes: StaticArray<i32> = [1, 4, 8];
    for (let s = 0; s < sizes.length; s++) {
      mvSize = sizes[s];
      bad += overSizes(copyBody);
      bad += overSizes(copyFlatBody);
      bad += overSizes(indexBody);
    }
    for (let s = 1; s < 3; s++) {
      mvSize = sizes[s];
      bad += overSizes(indexAddBody);
      bad += overSizes(oneHotBody);
    }
    expect(bad).toBe(0);
  });
});

// ---- the harness can fail ----------------------------------------------------------------------

function overWrite(n: i32): u64 {
  let x = input(n, 4, 0);
  let o = gAlloc(n * 4);
  neg_f32(o, x, n + 1); // one element too many
  return finish(o, n * 4);
}
function overRead(n: i32): u64 {
  let x = input(n, 4, 0);
  let o = gAlloc((n + 1) * 4);
  neg_f32(o, x, n + 1); // reads one element past x into o's first... and x's guard
  return finish(o, (n + 1) * 4);
}
function underWrite(n: i32): u64 {
  let x = input(n + 1, 4, 0);
  let o = gAlloc((n + 1) * 4);
  neg_f32(o, x, n); // leaves the last output element unwritten
  return finish(o, (n + 1) * 4);
}

describe("the kernel guard harness detects what it is for", () => {
  test("a write past the output, a read past the input, an unwritten output element", () => {
    expect(both(overWrite, 5)).toBeGreaterThan(0);
    expect(both(overRead, 5)).toBeGreaterThan(0);
    expect(both(underWrite, 5)).toBeGreaterThan(0);
    expect(both(unaryBody, 5)).toBe(0);
  });
});
