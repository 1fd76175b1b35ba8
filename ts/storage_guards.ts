// The storage layer's debug guards (tests/guards.test.ts), used by ./storage.ts's allocate and release.
// With guards on, every storage made is surrounded by GUARD bytes on each side, its own bytes start
// out filled with the pattern instead of whatever was there, and a freed block is refilled with
// the pattern. A kernel that writes outside its operands' storages corrupts a guard (checked at
// free and by checkGuards); one that reads outside them, or reads values never written, sees the
// pattern, so its results change with the pattern.
import type { Storage } from './storage.js';
import { memoryBuffer } from './core/wasm.js';
import { rt } from './runtime.js';

const M = rt.storage;
/** Bytes of guard on each side of a guarded storage. */
export const GUARD = 64;
/** Guarded storages and the pattern their guards were filled with (M.guardPattern: the current one, or -1). */
const guarded = M.guarded;

/** @internal Debug: guard every storage made from now on with `pattern` (a byte), or stop (null). */
export function setGuards(pattern: number | null): void {
  M.guardPattern = pattern === null ? -1 : pattern & 0xff;
}

function guardRegions(s: Storage): [number, number][] {
  return [
    [s.ptr - GUARD, s.ptr],
    [s.ptr + s.bytes, s.ptr + s.bytes + GUARD],
  ];
}

/** Records (in M.guardFaults) each guard of `s` that no longer holds `pattern`. */
export function checkGuardsOf(s: Storage, pattern: number, mem = new Uint8Array(memoryBuffer())): void {
  for (const [lo, hi] of guardRegions(s)) {
    for (let i = lo; i < hi; i++) {
      if (mem[i] !== pattern) {
        M.guardFaults.push(
          `storage of ${s.bytes} bytes at ${s.ptr}: guard byte ${i < s.ptr ? i - s.ptr : i - s.ptr - s.bytes} ` +
            `${i < s.ptr ? 'before' : 'after'} it is ${mem[i]}, not ${pattern}`,
        );
        break;
      }
    }
  }
}

/**
 * @internal Debug: checks the guards of every resident guarded storage and returns the faults
 * found since the last call (including those found when a storage was freed or spilled).
 */
export function checkGuards(): string[] {
  const mem = new Uint8Array(memoryBuffer());
  for (const [s, pattern] of guarded) checkGuardsOf(s, pattern, mem);
  const faults = M.guardFaults;
  M.guardFaults = [];
  return faults;
}
