// Kernel names are typed against the built core: ts/core/kernels.generated.ts (written by
// scripts/kernel-types.mjs from asc's declarations during `npm run build:wasm`) must list exactly
// what build/asgrad.wasm exports, and a name or arity the core lacks must fail `npm run typecheck`
// (the `@ts-expect-error` lines below: tsc reports any of them that is not an error).
import { describe, expect, expectTypeOf, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { torch, type Tensor } from '../ts/index.js';
import { kernel, type FloatKernel, type KernelName } from '../ts/core/wasm.js';
import * as K from '../ts/ops/internal.js';

const wasmPath = new URL('../build/asgrad.wasm', import.meta.url);
const generatedPath = new URL('../ts/core/kernels.generated.ts', import.meta.url);

/** name -> parameter count, as the built .wasm itself says (memory: -1). */
function wasmExports(): Map<string, number> {
  const mod = new WebAssembly.Module(readFileSync(wasmPath));
  const inst = new WebAssembly.Instance(mod, {});
  const out = new Map<string, number>();
  for (const e of WebAssembly.Module.exports(mod)) {
    const v = inst.exports[e.name];
    out.set(e.name, e.kind === 'function' ? (v as (...a: unknown[]) => unknown).length : -1);
  }
  return out;
}

/** name -> parameter count, as the generated interface declares it (memory: -1). */
function generatedMembers(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(generatedPath, 'utf8').split('\n')) {
    if (/^ {2}readonly memory: WebAssembly\.Memory;$/.test(line)) out.set('memory', -1);
    const m = /^ {2}(\w+)\((.*)\): \w+;$/.exec(line);
    if (m) out.set(m[1], m[2] === '' ? 0 : m[2].split(', ').length);
  }
  return out;
}

describe('kernel names typed against the built .wasm', () => {
  it('the generated declarations list every export of build/asgrad.wasm with its parameter count, and nothing else', () => {
    const real = wasmExports();
    const declared = generatedMembers();
    expect(real.size).toBeGreaterThan(100);
    expect([...declared].sort()).toEqual([...real].sort());
  });

  it('kernel() and the typed families resolve what the core has', () => {
    expectTypeOf(kernel('sin_f32')).parameters.toEqualTypeOf<[number, number, number]>();
    expectTypeOf(kernel('heap_bytes')).returns.toEqualTypeOf<number>();
    expectTypeOf<'sin' | 'add' | 'sum' | 'matmul'>().toMatchTypeOf<FloatKernel>();
    expect(typeof kernel('index_select_b1')).toBe('function');
    const x = torch.tensor([0.5, -1]);
    const y = K.unary('neg', x);
    expect(y.tolist()).toEqual([-0.5, 1]);
    for (const t of [x, y]) t.dispose();
  });

  it('a name missing from the core is a type error, and still a clear error at run time', () => {
    // Never run: compiled by `npm run typecheck`, where each marked line must fail.
    const typeErrors = (x: Tensor): void => {
      // @ts-expect-error: misspelt kernel
      kernel('sinn_f32');
      // @ts-expect-error: the core has no index_select for 2-byte items
      kernel('index_select_b2');
      // @ts-expect-error: sin_f32 takes (out, x, n)
      kernel('sin_f32')(0, 0);
      // @ts-expect-error: no sinn_f32 / sinn_f64 family
      K.unary('sinn', x);
      // @ts-expect-error: simd_peak has an f32 kernel only, so it is no float family
      K.unary('simd_peak', x);
      // @ts-expect-error: logical_and has only a u8 kernel: binary() must be given it by name
      K.binary('logical_and', x, x);
      // @ts-expect-error: ... which must exist
      K.binary('logical_and', x, x, 'bool', 'logical_and_u32');
    };
    expect(typeof typeErrors).toBe('function');
    expect(() => kernel('sinn_f32' as string as KernelName)).toThrow("asgrad: the WebAssembly core has no kernel 'sinn_f32'");
  });
});
