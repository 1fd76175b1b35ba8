// Seeded, portable random numbers.
//
// Generator: xoshiro256** (Blackman & Vigna), 64-bit output, state in four module globals. The
// 64-bit seed (hi << 32 | lo) is expanded into the state with splitmix64 (four successive
// outputs). Before any rng_seed call the generator behaves as if seeded with 0.
//
// Streams (one 64-bit draw r per uniform):
//  * rand_f32: (r >>> 40) * 2^-24   (24 random bits, in [0, 1))
//  * rand_f64: (r >>> 11) * 2^-53   (53 random bits, in [0, 1))
//  * randn_T: Box–Muller on pairs, computed in f64 with AssemblyScript's Math: for each pair,
//    u1 = 1 - (r1 >>> 11) * 2^-53 (in (0, 1]), u2 = (r2 >>> 11) * 2^-53,
//    rad = sqrt(-2 * log(u1)), theta = 2*pi*u2, z0 = rad * cos(theta), z1 = rad * sin(theta);
//    out[2m] = T(z0), out[2m+1] = T(z1). For odd n the last pair's z1 is discarded. Each call
//    starts a fresh pair (no cached spare), so the stream depends only on the seed and the calls.

import { st } from "./math";

let s0: u64 = 0;
let s1: u64 = 0;
let s2: u64 = 0;
let s3: u64 = 0;
let seeded: bool = false;
let smState: u64 = 0;
let seedValue: u64 = 0;

// @ts-ignore: decorator
@inline function splitmix64(): u64 {
  smState += 0x9E3779B97F4A7C15;
  let z = smState;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

function seed64(seed: u64): void {
  smState = seed;
  s0 = splitmix64();
  s1 = splitmix64();
  s2 = splitmix64();
  s3 = splitmix64();
  seeded = true;
}

// @ts-ignore: decorator
@inline function next(): u64 {
  let result = rotl<u64>(s1 * 5, 7) * 9;
  let t = s1 << 17;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u64>(s3, 45);
  return result;
}

// @ts-ignore: decorator
@inline function uniform53(): f64 {
  return <f64>(next() >> 11) * 1.1102230246251565e-16; // 2^-53
}

export function rng_seed(lo: u32, hi: u32): void {
  seedValue = (<u64>hi << 32) | <u64>lo;
  seed64(seedValue);
}

// The generator's whole state as 32-bit words, so a JS-side torch.Generator can swap its own stream
// in and out of the core around a call: words 0..7 are s0..s3 (low half first), 8..9 the seed it
// was given, 10 whether it was seeded (an unseeded core acts as seeded with 0).
export function rng_state_get(i: i32): u32 {
  if (i < 8) {
    let w = i >> 1;
    let v = w == 0 ? s0 : w == 1 ? s1 : w == 2 ? s2 : s3;
    return <u32>(i & 1 ? v >> 32 : v);
  }
  if (i < 10) return <u32>(i & 1 ? seedValue >> 32 : seedValue);
  return seeded ? 1 : 0;
}
export function rng_state_set(i: i32, v: u32): void {
  if (i < 10) {
    let shift: u64 = i & 1 ? 32 : 0;
    let mask: u64 = ~(<u64>0xFFFFFFFF << shift);
    let bits = <u64>v << shift;
    let w = i >> 1;
    if (w == 0) s0 = (s0 & mask) | bits;
    else if (w == 1) s1 = (s1 & mask) | bits;
    else if (w == 2) s2 = (s2 & mask) | bits;
    else if (w == 3) s3 = (s3 & mask) | bits;
    else seedValue = (seedValue & mask) | bits;
  } else seeded = v != 0;
}

// randint_i64: n draws in [low, low + range), range > 0 as an unsigned 64-bit count: low + r % range
// for one 64-bit draw r each (PyTorch's random_from_to: a modulo of a raw draw).
export function randint_i64(out: usize, n: i32, lowLo: u32, lowHi: u32, rangeLo: u32, rangeHi: u32): void {
  if (!seeded) seed64(0);
  let low = (<u64>lowHi << 32) | <u64>lowLo;
  let range = (<u64>rangeHi << 32) | <u64>rangeLo;
  for (let i = 0; i < n; i++) store<u64>(out + (<usize>i << 3), low + next() % range);
}

// @ts-ignore: decorator
@inline function randT<T>(out: usize, n: i32): void {
  if (!seeded) seed64(0);
  for (let i = 0; i < n; i++) {
    if (sizeof<T>() == 4) st<T>(out, i, <T>(<f32>(<u32>(next() >> 40)) * 5.9604644775390625e-8)); // 2^-24
    else st<T>(out, i, <T>uniform53());
  }
}
export function rand_f32(out: usize, n: i32): void { randT<f32>(out, n); }
export function rand_f64(out: usize, n: i32): void { randT<f64>(out, n); }

// @ts-ignore: decorator
@inline function randnT<T>(out: usize, n: i32): void {
  if (!seeded) seed64(0);
  for (let i = 0; i < n; i += 2) {
    let u1 = 1.0 - uniform53();
    let u2 = uniform53();
    let rad = Math.sqrt(-2.0 * Math.log(u1));
    let theta = 6.283185307179586 * u2;
    st<T>(out, i, <T>(rad * Math.cos(theta)));
    if (i + 1 < n) st<T>(out, i + 1, <T>(rad * Math.sin(theta)));
  }
}
export function randn_f32(out: usize, n: i32): void { randnT<f32>(out, n); }
export function randn_f64(out: usize, n: i32): void { randnT<f64>(out, n); }

// randperm_i64: `count` consecutive random permutations of 0..n-1 (int64), each by Fisher–Yates
// from the last position down: for i = n-1 .. 1, j = floor(u * (i + 1)) with u a 53-bit uniform
// draw (one per step), then swap positions i and j. nn.init.sparse_ draws one per column.
export function randperm_i64(out: usize, n: i32, count: i32): void {
  if (!seeded) seed64(0);
  for (let c = 0; c < count; c++) {
    let p = out + (<usize>c * <usize>n << 3);
    for (let i = 0; i < n; i++) store<i64>(p + (<usize>i << 3), <i64>i);
    for (let i = n - 1; i > 0; i--) {
      let j = <i32>(uniform53() * <f64>(i + 1));
      let pi = p + (<usize>i << 3);
      let pj = p + (<usize>j << 3);
      let t = load<i64>(pi);
      store<i64>(pi, load<i64>(pj));
      store<i64>(pj, t);
    }
  }
}
