// The tile interpreter: one kernel that runs a small elementwise program (written by ts/fuse/ into
// its own program area, PROG) over tiles of TILE elements, so a chain of elementwise ops reads its inputs once and writes
// only what is asked for, instead of one pass over memory per op.
//
// Program (PROG as i32 words): word 0 = instruction count; then 4 words per instruction
// (op, dst, a, b). Constants are f64 in PROG from byte CONST_AT on, converted to T as the unfused
// kernels convert their scalar parameters. Registers are numbered 0..nregs-1; each computed register
// is a TILE-element buffer in the scratch arena; a LOAD register is a pointer into the input itself
// (no copy). The JS side numbers registers in SSA form (each written once) in dependency order.
//
// Same bits as the unfused kernels: every op is the very operation class the unfused kernel uses
// (elementwise.ts), applied with its v128 form to the elements the unfused loop gives to v128 and its
// scalar form to the rest. Tiles start at multiples of TILE (a multiple of the lane count), so
// element i goes through v128 exactly when i < n - n % lanes, as in unary_loop.ts / binary_loop.ts.
// The optional final reduction keeps reduce.ts's runSum order: four f64 lane accumulators (element
// i into lane i mod 4, carried across tiles), combined as (l0 + l1) + (l2 + l3), then the n % 4 last
// elements in order; a mean divides by n in f64; the result is rounded to T once.

import { ld, st, boff, lanes } from "./math";
import { scratch } from "./memory";
import { UNeg, UAbs, USqrt, URelu, BAdd, BSub, BMul, BDiv, BMax, BMin } from "./elementwise_ops";

// @ts-ignore: decorator
@inline const TILE: i32 = 512;
// @ts-ignore: decorator
@inline const CONST_AT: usize = 2048;
/** The program area: not META, which a kernel call may have filled before the JS side, fetching
 *  that call's operand pointers, computes a pending operand with this kernel. */
const PROG: usize = memory.data(4096, 16);

/** Address of the 4096-byte program area (instructions, then constants from byte 2048). */
export function fuse_program_ptr(): usize {
  return PROG;
}

// Opcodes (ts/fuse/program.ts mirrors them).
// @ts-ignore: decorator
@inline const OP_LOAD: i32 = 0;
// @ts-ignore: decorator
@inline const OP_CONST: i32 = 1;
// @ts-ignore: decorator
@inline const OP_STORE: i32 = 2;
// @ts-ignore: decorator
@inline const OP_ADD: i32 = 3;
// @ts-ignore: decorator
@inline const OP_SUB: i32 = 4;
// @ts-ignore: decorator
@inline const OP_MUL: i32 = 5;
// @ts-ignore: decorator
@inline const OP_DIV: i32 = 6;
// @ts-ignore: decorator
@inline const OP_MAX: i32 = 7;
// @ts-ignore: decorator
@inline const OP_MIN: i32 = 8;
// @ts-ignore: decorator
@inline const OP_NEG: i32 = 9;
// @ts-ignore: decorator
@inline const OP_ABS: i32 = 10;
// @ts-ignore: decorator
@inline const OP_SQRT: i32 = 11;
// @ts-ignore: decorator
@inline const OP_RELU: i32 = 12;

/** Binary op over one tile of m elements: v128 over whole vectors, the scalar form for the rest. */
// @ts-ignore: decorator
@inline function tileBin<T, OP>(d: usize, a: usize, b: usize, m: i32): void {
  let op = changetype<OP>(0);
  let L = lanes<T>();
  let i = 0;
  for (; i + L <= m; i += L) v128.store(d + boff<T>(i), op.v<T>(v128.load(a + boff<T>(i)), v128.load(b + boff<T>(i))));
  for (; i < m; i++) st<T>(d, i, op.s<T>(ld<T>(a, i), ld<T>(b, i)));
}

/** Unary op over one tile (the ops used here take no parameter). */
// @ts-ignore: decorator
@inline function tileUn<T, OP>(d: usize, a: usize, m: i32): void {
  let op = changetype<OP>(0);
  let L = lanes<T>();
  let z = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= m; i += L) v128.store(d + boff<T>(i), op.v<T>(v128.load(a + boff<T>(i)), z, z));
  for (; i < m; i++) st<T>(d, i, op.s<T>(ld<T>(a, i), <T>0, <T>0));
}

/** A tile's copy to its destination: a v128 loop (memory.copy of 2 KiB calls out of the module,
 *  which cost as much as the op itself in V8, more on shared memory). */
// @ts-ignore: decorator
@inline function tileCopy<T>(d: usize, a: usize, m: i32): void {
  let L = lanes<T>();
  let i = 0;
  for (; i + 4 * L <= m; i += 4 * L) {
    let o = boff<T>(i);
    let x0 = v128.load(a + o);
    let x1 = v128.load(a + o, 16);
    let x2 = v128.load(a + o, 32);
    let x3 = v128.load(a + o, 48);
    v128.store(d + o, x0);
    v128.store(d + o, x1, 16);
    v128.store(d + o, x2, 32);
    v128.store(d + o, x3, 48);
  }
  for (; i < m; i++) st<T>(d, i, ld<T>(a, i));
}

// @ts-ignore: decorator
@inline function reg(regs: usize, r: i32): usize {
  return load<usize>(regs + (<usize>r << alignof<usize>()));
}

// @ts-ignore: decorator
@inline function fuseT<T>(n: i32, nregs: i32, red: i32, mean: i32, out: usize): i32 {
  if (n <= 0 || nregs <= 0) return 0;
  let M = PROG;
  let ninstr = load<i32>(M);
  let tileBytes = boff<T>(TILE);
  let ptrBytes = ((<usize>nregs << alignof<usize>()) + 15) & ~(<usize>15);
  let base = scratch(ptrBytes + <usize>nregs * tileBytes);
  if (base == 0) return 1;
  let regs = base;
  let bufs = base + ptrBytes;
  for (let r = 0; r < nregs; r++) store<usize>(regs + (<usize>r << alignof<usize>()), bufs + <usize>r * tileBytes);
  // Constants are filled once: no instruction writes their registers again.
  for (let k = 0; k < ninstr; k++) {
    let w = M + 4 + (<usize>k << 4);
    if (load<i32>(w) != OP_CONST) continue;
    let d = reg(regs, load<i32>(w, 4));
    let v = <T>load<f64>(M + CONST_AT + (<usize>load<i32>(w, 8) << 3));
    for (let i = 0; i < TILE; i++) st<T>(d, i, v);
  }
  // A program ending in `op -> r; store r` (every pending result's does) lets that op write its
  // tile straight into the destination: its register points there, and the store is skipped. The
  // values are the op's own, only their address differs; registers are never reused (one per node),
  // so nothing else writes through it.
  let directReg = -1;
  let directDest: usize = 0;
  if (ninstr >= 2) {
    let ws = M + 4 + (<usize>(ninstr - 1) << 4);
    let wp = M + 4 + (<usize>(ninstr - 2) << 4);
    if (load<i32>(ws) == OP_STORE && load<i32>(wp) >= OP_ADD && load<i32>(wp, 4) == load<i32>(ws, 8)) {
      directReg = load<i32>(ws, 8);
      directDest = <usize>load<i32>(ws, 12);
    }
  }
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let m = 0;
  for (let t0 = 0; t0 < n; t0 += TILE) {
    m = min<i32>(TILE, n - t0);
    let off = boff<T>(t0);
    if (directReg >= 0) store<usize>(regs + (<usize>directReg << alignof<usize>()), directDest + off);
    for (let k = 0; k < ninstr; k++) {
      let w = M + 4 + (<usize>k << 4);
      let op = load<i32>(w);
      if (op == OP_STORE && directReg >= 0 && k == ninstr - 1) continue;
      let d = load<i32>(w, 4);
      let a = load<i32>(w, 8);
      let b = load<i32>(w, 12);
      switch (op) {
        case OP_LOAD: store<usize>(regs + (<usize>d << alignof<usize>()), <usize>a + off); break;
        case OP_CONST: break;
        case OP_STORE: tileCopy<T>(<usize>b + off, reg(regs, a), m); break;
        case OP_ADD: tileBin<T, BAdd>(reg(regs, d), reg(regs, a), reg(regs, b), m); break;
        case OP_SUB: tileBin<T, BSub>(reg(regs, d), reg(regs, a), reg(regs, b), m); break;
        case OP_MUL: tileBin<T, BMul>(reg(regs, d), reg(regs, a), reg(regs, b), m); break;
        case OP_DIV: tileBin<T, BDiv>(reg(regs, d), reg(regs, a), reg(regs, b), m); break;
        case OP_MAX: tileBin<T, BMax>(reg(regs, d), reg(regs, a), reg(regs, b), m); break;
        case OP_MIN: tileBin<T, BMin>(reg(regs, d), reg(regs, a), reg(regs, b), m); break;
        case OP_NEG: tileUn<T, UNeg>(reg(regs, d), reg(regs, a), m); break;
        case OP_ABS: tileUn<T, UAbs>(reg(regs, d), reg(regs, a), m); break;
        case OP_SQRT: tileUn<T, USqrt>(reg(regs, d), reg(regs, a), m); break;
        case OP_RELU: tileUn<T, URelu>(reg(regs, d), reg(regs, a), m); break;
        default: return 2;
      }
    }
    if (red >= 0) {
      let p = reg(regs, red);
      let q = m & ~3;
      for (let i = 0; i < q; i += 4) {
        if (sizeof<T>() == 4) {
          let e = p + boff<T>(i);
          acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v128.load64_zero(e)));
          acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.load64_zero(e, 8)));
        } else {
          acc0 = f64x2.add(acc0, v128.load(p + boff<T>(i)));
          acc1 = f64x2.add(acc1, v128.load(p + boff<T>(i), 16));
        }
      }
    }
  }
  if (red >= 0) {
    // Only the last tile can end off a multiple of 4; its elements are still in the register.
    let p = reg(regs, red);
    let s = (f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1)) +
            (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
    for (let i = m & ~3; i < m; i++) s += <f64>ld<T>(p, i);
    if (mean != 0) s /= <f64>n;
    st<T>(out, 0, <T>s);
  }
  return 0;
}

/**
 * Runs the program in PROG over n elements of f32 with nregs registers. With red >= 0, register red
 * is summed (divided by n when mean != 0) into out[0]. Returns 0, 1 when the scratch block could not
 * be had, 2 on an unknown opcode.
 */
export function fuse_f32(n: i32, nregs: i32, red: i32, mean: i32, out: usize): i32 { return fuseT<f32>(n, nregs, red, mean, out); }
export function fuse_f64(n: i32, nregs: i32, red: i32, mean: i32, out: usize): i32 { return fuseT<f64>(n, nregs, red, mean, out); }
