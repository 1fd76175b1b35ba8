// Tests generated from the op registry (ts/ops/*.ts): every differentiable entry is gradchecked in
// float64 (and gradgradchecked when its `test.grad` is 'twice') on its own samples and on generated
// 0-d, broadcast and non-contiguous inputs; and every entry is complete (its methods, torch.* and
// nn.functional names exist, its node list covers what it records, its kernels are core exports).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch, Tensor } from '../ts/index.js';
import { ENTRIES } from '../ts/ops/index.js';
import { Node } from '../ts/autograd.js';
import type { OpSpec } from '../ts/ops/registry.js';
import { elementwiseForExtremes } from './registry/extremes.js';
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

/** The sequence number the next graph node will get. */
function nextSeq(): number {
  return new Node('Probe', [], [], () => []).seq + 1;
}

/** Names of the nodes made since `from` that `y`'s graph reaches. */
function recorded(y: Tensor, from: number): string[] {
  const names = new Set<string>();
  const stack: Node[] = y.gradFn ? [y.gradFn] : [];
  const seen = new Set<Node>();
  while (stack.length) {
    const n = stack.pop() as Node;
    if (seen.has(n) || n.seq < from) continue;
    seen.add(n);
    names.add(n.name());
    if (n.inner) stack.push(n.inner);
    for (const e of n.next) if (e instanceof Node) stack.push(e);
  }
  return [...names];
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
            // `nodes` is honest: every node the op records (not the harness's views and clones
            // made before it) is listed there.
            const args = b.call(b.leaves);
            const callArgs = e.kind === 'inplace' ? [(args[0] as Tensor).clone(), ...args.slice(1)] : args;
            const from = nextSeq();
            const out = e.fn(...callArgs);
            // A list result (max/min with a dim, unbind, split): each float output on its own.
            const ys = Array.isArray(out)
              ? (out as Tensor[]).filter((t) => t.dtype === 'float32' || t.dtype === 'float64')
              : [out as Tensor];
            for (const y of ys) {
              expect(y.requiresGrad).toBe(true);
              expect(recorded(y, from).filter((n) => !e.nodes.includes(n))).toEqual([]);
              // An op may return its input itself (contiguous of a contiguous tensor): nothing recorded.
              if (!args.includes(y)) expect(e.nodes).toContain(y.gradFn?.name());
            }
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

describe('registry: elementwise ops at extreme values against PyTorch 1.13 (tests/pytorch/extremes.json)', () => {
  type Run = { inputs: string[][]; value: string[]; grads?: (string[] | null)[] };
  const truth = JSON.parse(readFileSync(new URL('./pytorch/extremes.json', import.meta.url), 'utf8')) as Record<
    string,
    Record<'float32' | 'float64', Run>
  >;
  const fromHex = (h: string): number => new DataView(Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16)).buffer).getFloat64(0);
  const toHex = (v: number): string => {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v);
    return Array.from(new Uint8Array(dv.buffer), (b) => b.toString(16).padStart(2, '0')).join('');
  };
  const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
  /** Distance in units in the last place of `dtype` between two finite numbers of one sign. */
  const ulps = (a: number, b: number, dtype: 'float32' | 'float64'): number => {
    if (dtype === 'float32') {
      const u = new Uint32Array(Float32Array.of(a, b).buffer);
      return Math.abs(u[0] - u[1]);
    }
    const u = new BigUint64Array(Float64Array.of(a, b).buffer);
    return Number(u[0] > u[1] ? u[0] - u[1] : u[1] - u[0]);
  };
  /**
   * Equal bits, except that any NaN matches any NaN (PyTorch's NaN sign and payload are not
   * specified) and a finite nonzero value may differ from PyTorch's by one unit in the last place
   * (its libm and vector paths round sin, tanh, sigmoid... differently from the core's fixed code;
   * NaN, infinities, zeros and their signs must match exactly). A tie of 0 and -0 in maximum/minimum
   * may give either zero: PyTorch 1.13's own answer depends on the length (the scalar path returns
   * the first operand, the vector path the second).
   */
  /**
   * Where PyTorch 1.13's value is wrong and the core's is the correctly rounded one, kept apart on
   * purpose (op, dtype, input -> why). PyTorch's vectorised log1p overflows to inf for float32
   * inputs near the top of the range and flushes a float64 subnormal input to 0; the core's log1p
   * (AssemblyScript's, from musl) gives log1p(3e38) = 88.5968 and log1p(5e-324) = 5e-324.
   */
  const PYTORCH_WRONG: Record<string, string> = {
    'log1p float32 3.0000000054977558e+38': 'PyTorch 1.13 returns inf (overflow in its vector log1p)',
    'log1p float64 5e-324': 'PyTorch 1.13 returns 0 (its vector log1p flushes subnormals)',
    // PyTorch 1.13 computes float32 gelu with oneDNN's erf polynomial; the core rounds x * Phi(x) correctly.
    'gelu float32 -1': 'PyTorch 1.13 returns -0.15865529 (3 ulps off; the correctly rounded value is -0.15865526)',
    'gelu float32 0.5': 'PyTorch 1.13 returns 0.3457312 (1 ulp off, below the correctly rounded 0.34573123)',
    'gelu float32 -0': 'PyTorch 1.13 returns +0 here (oneDNN), -0 = -0 * Phi(0) in float64 and in the core',
    'gelu float32 -1.0000000150474662e+30':
      'PyTorch 1.13 returns +0 here (oneDNN), -0 = x * (1 + erf(x/sqrt 2)) in float64 and in the core',
  };
  const same = (
    got: Tensor,
    want: readonly string[],
    what: string,
    xs: readonly number[][],
    dtype: 'float32' | 'float64',
    zeroTies: boolean,
    gradient = false,
  ): void => {
    const g = Array.from(got.double().toArray() as Float64Array);
    expect(g.length, what).toBe(want.length);
    const bad: string[] = [];
    for (let i = 0; i < g.length; i++) {
      const w = fromHex(want[i]);
      if (Number.isNaN(w) && Number.isNaN(g[i])) continue;
      if (zeroTies && g[i] === 0 && w === 0 && xs.every((x) => x[i] === 0)) continue;
      // A gradient computed from a result one unit off (1 - tanh², sigmoid·(1 - sigmoid)) carries
      // that unit at the scale of the terms it cancels: 4 machine epsilons of max(1, |value|).
      const eps = dtype === 'float32' ? 2 ** -23 : 2 ** -52;
      const near =
        Number.isFinite(w) &&
        w !== 0 &&
        Math.sign(w) === Math.sign(g[i]) &&
        (ulps(g[i], w, dtype) <= 1 || (gradient && Math.abs(g[i] - w) <= 4 * eps * Math.max(1, Math.abs(w))));
      if (!gradient && `${what.split(' ')[0]} ${dtype} ${xs.map((x) => show(x[i])).join(', ')}` in PYTORCH_WRONG) continue;
      if (toHex(g[i]) !== want[i] && !near) bad.push(`(${xs.map((x) => show(x[i])).join(', ')}): ${show(g[i])} vs PyTorch ${show(w)}`);
    }
    expect(bad.join('; '), what).toBe('');
  };
  it('tests/pytorch/elementwise_ops.json lists the registry as it is (npm run ops:export, then npm run pytorch:extremes)', () => {
    const listed = JSON.parse(readFileSync(new URL('./pytorch/elementwise_ops.json', import.meta.url), 'utf8')) as unknown;
    expect(listed).toEqual(elementwiseForExtremes());
  });
  for (const op of elementwiseForExtremes()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${op.name} ${dtype}`, () =>
        torch.scope(() => {
          const run = truth[op.name]?.[dtype];
          // A new elementwise entry needs its extremes: npm run ops:export, then npm run pytorch:extremes (PyTorch 1.13).
          expect(run, `${op.name} has no case in tests/pytorch/extremes.json`).toBeDefined();
          const xs = run.inputs.map((col) => col.map(fromHex));
          const leaves = xs.map((col) =>
            torch.tensor(dtype === 'float32' ? Float32Array.from(col) : Float64Array.from(col), { dtype }).requiresGrad_(op.grad),
          );
          const e = ENTRIES.find((x) => x.name === op.name) as OpSpec;
          const y = e.fn(...leaves, ...op.extra) as Tensor;
          const ties = op.name === 'maximum' || op.name === 'minimum';
          same(y, run.value, `${op.name} value`, xs, dtype, ties);
          if (!op.grad) return;
          y.backward(torch.onesLike(y));
          for (const [k, x] of leaves.entries()) {
            const want = run.grads?.[k];
            if (want) same(x.grad ?? torch.zerosLike(x), want, `${op.name} gradient of input ${k}`, xs, dtype, ties, true);
            else expect(x.grad, `gradient of input ${k}`).toBe(null);
          }
        }));
    }
  }
});
