// Tests generated from the op registry (ts/ops/*.ts): every differentiable entry is gradchecked in
// float64 (and gradgradchecked when its `test.grad` is 'twice') on its own samples and on generated
// 0-d, broadcast and non-contiguous inputs; and every entry is complete (its methods, torch.* and
// nn.functional names exist, its node list covers what it records, its kernels are core exports).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch, Tensor } from '../ts/index.js';
import { ENTRIES } from '../ts/ops/index.js';
import type { OpSpec } from '../ts/ops/registry.js';
import { build, type Case, casesOf, gradcheck, gradgradcheck, hash, invoke } from './registry/samples.js';

const F = torch.nn.functional as unknown as Record<string, unknown>;
const T = torch as unknown as Record<string, unknown>;

function bits(t: Tensor): string {
  const d = t.double().toArray() as Float64Array;
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).join(',');
}

/** The forward of a non-contiguous case equals, bit for bit, the forward on contiguous copies; a 0-d case, the forward on [1]. */
function checkLayoutTwin(e: OpSpec, c: Case): void {
  torch.noGrad(() => {
    const b = build(e, c);
    const got = invoke(e, b.call(b.leaves));
    let want: Tensor;
    if (c.transposed) want = invoke(e, b.contiguousCall(b.leaves));
    else want = invoke(e, b.call(b.leaves.map((x) => (x.ndim === 0 ? x.reshape([1]) : x))));
    expect(got.numel()).toBe(want.numel());
    expect(bits(got)).toBe(bits(want));
  });
}

const isZeroDim = (c: Case): boolean =>
  c.args.some((a) => typeof a === 'object' && a !== null && 'shape' in a && !('ints' in a) && a.shape.length === 0) &&
  c.name.startsWith('generated');

describe('registry: gradcheck and gradgradcheck per entry (float64)', () => {
  for (const e of ENTRIES) {
    const cases = casesOf(e);
    if (cases.length === 0) continue;
    describe(e.name, () => {
      for (const c of cases) {
        it(c.name, () =>
          torch.scope(() => {
            const b = build(e, c);
            const f = (xs: readonly Tensor[]): Tensor => invoke(e, b.call(xs));
            const grad = e.test.grad;
            if (typeof grad === 'object') {
              const y = f(b.leaves);
              expect(y.requiresGrad).toBe(false);
              expect(y.gradFn).toBe(null);
              return;
            }
            const y = f(b.leaves);
            expect(y.requiresGrad).toBe(true);
            // `nodes` is honest: what the op records is listed there (an op may return its input
            // itself, as contiguous does for a contiguous tensor: then nothing is recorded).
            if (!b.leaves.includes(y)) expect(e.nodes).toContain(y.gradFn?.name);
            const seed = hash(`${e.name}/${c.name}`);
            gradcheck(f, b.leaves, seed);
            if (grad === 'twice') gradgradcheck(f, b.leaves, seed);
            if (c.transposed || isZeroDim(c)) checkLayoutTwin(e, c);
          }),
        );
      }
    });
  }
});

describe('registry: every entry is complete', () => {
  const wasm = new WebAssembly.Module(readFileSync(new URL('../build/asgrad.wasm', import.meta.url)));
  const exportsOf = new Set(WebAssembly.Module.exports(wasm).map((x) => x.name));
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  for (const e of ENTRIES) {
    it(e.name, () => {
      for (const m of Object.keys(e.methods ?? {})) expect(typeof proto[m], `Tensor.prototype.${m}`).toBe('function');
      for (const p of Object.keys(e.properties ?? {})) {
        expect(Object.getOwnPropertyDescriptor(Tensor.prototype, p)?.get, `Tensor.prototype.${p}`).toBeTypeOf('function');
      }
      if (e.torch !== false) expect(typeof T[e.name], `torch.${e.name}`).toBe('function');
      for (const a of Object.keys(e.aliases ?? {})) expect(typeof T[a], `torch.${a}`).toBe('function');
      for (const n of Object.keys(e.functional ?? {})) expect(typeof F[n], `nn.functional.${n}`).toBe('function');
      for (const k of e.kernels) {
        const ok = exportsOf.has(k) || (exportsOf.has(`${k}_f32`) && exportsOf.has(`${k}_f64`));
        expect(ok, `kernel ${k}`).toBe(true);
      }
      const grad = e.test.grad;
      if (typeof grad === 'object') {
        expect(typeof grad.no).toBe('string');
        expect(grad.no.trim().length).toBeGreaterThan(0);
      } else {
        expect(e.nodes.length, 'nodes').toBeGreaterThan(0);
        expect(casesOf(e).length, 'samples').toBeGreaterThan(0);
      }
    });
  }
});
