// Properties over random graphs (fast-check): random compositions of table ops on random
// broadcastable shapes pass gradcheck in float64, and float32 results track float64 ones.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { torch, type Tensor } from '../ts/index.js';
import { gradcheck, expectClose } from './helpers.js';

type Unary = (x: Tensor) => Tensor;
type Binary = (a: Tensor, b: Tensor) => Tensor;

// Smooth ops with safe domains so finite differences are meaningful everywhere.
const UNARY: [string, Unary][] = [
  ['tanh', (x) => x.tanh()],
  ['sigmoid', (x) => x.sigmoid()],
  ['sin', (x) => x.sin()],
  ['cos', (x) => x.cos()],
  ['exp(x/4)', (x) => x.div(4).exp()],
  ['log(1+x^2)', (x) => x.square().add(1).log()],
  ['sqrt(1+x^2)', (x) => x.square().add(1).sqrt()],
  ['neg', (x) => x.neg()],
  ['softmax(-1)', (x) => (x.ndim ? x.softmax(-1) : x)],
  ['sum(-1, keepdim)', (x) => (x.ndim ? x.sum(-1, true) : x)],
  ['mean(0)', (x) => (x.ndim ? x.mean(0) : x)],
  ['t-or-id', (x) => (x.ndim === 2 ? x.t() : x)],
];
const BINARY: [string, Binary][] = [
  ['add', (a, b) => a.add(b)],
  ['sub', (a, b) => a.sub(b)],
  ['mul', (a, b) => a.mul(b)],
  ['div(1+b^2)', (a, b) => a.div(b.square().add(1))],
  ['maximum-smooth', (a, b) => a.add(b).mul(0.5)],
];

const shapeArb = fc.oneof(fc.constant<number[]>([]), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }));

/** A random graph: a sequence of steps applied to two inputs of broadcast-compatible shapes. */
const graphArb = fc.record({
  shape: shapeArb,
  bMask: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  steps: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('u' as const), op: fc.integer({ min: 0, max: UNARY.length - 1 }) }),
      fc.record({ kind: fc.constant('b' as const), op: fc.integer({ min: 0, max: BINARY.length - 1 }) }),
    ),
    { minLength: 1, maxLength: 6 },
  ),
  seed: fc.integer({ min: 0, max: 1 << 30 }),
});

function build(g: { steps: { kind: 'u' | 'b'; op: number }[] }): (a: Tensor, b: Tensor) => Tensor {
  return (a, b) => {
    let x = a;
    for (const s of g.steps) {
      if (s.kind === 'u') x = UNARY[s.op][1](x);
      else {
        try {
          x = BINARY[s.op][1](x, b);
        } catch {
          x = BINARY[s.op][1](x, b.sum()); // shapes stopped broadcasting after a reduction
        }
      }
    }
    return x;
  };
}

describe('random graphs', () => {
  it('pass gradcheck in float64 (both inputs, with broadcasting)', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        torch.manualSeed(g.seed);
        const bShape = g.shape.map((d, i) => (g.bMask[i] ? 1 : d));
        const a = torch.randn(g.shape, { dtype: 'float64' }).requiresGrad_(true);
        const b = torch.randn(bShape, { dtype: 'float64' }).requiresGrad_(true);
        gradcheck(build(g), [a, b], 1e-6, 1e-4, 1e-6);
      }),
      { numRuns: 60 },
    );
  });

  it('float32 forward values and gradients track float64 ones', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        torch.manualSeed(g.seed);
        const bShape = g.shape.map((d, i) => (g.bMask[i] ? 1 : d));
        const a64 = torch.randn(g.shape, { dtype: 'float64' });
        const b64 = torch.randn(bShape, { dtype: 'float64' });
        const run = (a: Tensor, b: Tensor): [Tensor, Tensor] => {
          const x = a.detach().requiresGrad_(true);
          const y = build(g)(x, b).sum();
          y.backward();
          return [y, x.grad ?? torch.zerosLike(x)];
        };
        // The float64 run starts from the same (float32-representable) inputs as the float32 one.
        const [y64, g64] = run(a64.float().double(), b64.float().double());
        const [y32, g32] = run(a64.float(), b64.float());
        expectClose(y32.double(), y64, 1e-3, 1e-4);
        expectClose(g32.double(), g64, 1e-3, 1e-4);
      }),
      { numRuns: 60 },
    );
  });
});
