// Documentation (issue 13, part 7): every public name has a doc comment, the published declarations
// leave out `@internal` members yet still compile for a consumer, and the "From PyTorch" page's
// examples run.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as asgrad from '../ts/index.js';
import * as asgradNode from '../ts/node.js';
import { ENTRIES, undocumented } from './docs/coverage.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('doc comments', () => {
  it('every public export, torch property and public class member has one', () => {
    expect(existsSync(join(ROOT, 'ts/ops/registry.generated.ts')), 'run `npm run typecheck` (generates the registry types)').toBe(true);
    const missing = undocumented(ENTRIES).map((m) => `${m.name} (${m.at})`);
    expect(missing).toEqual([]);
  });

  it('the check names what is undocumented, and only that', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-docs-'));
    try {
      const file = join(dir, 'synthetic.ts');
      writeFileSync(
        file,
        `/** Documented. */
export function documented(): void {}
export function bare(): void {}
/** A documented class. */
export class Thing {
  /** Documented. */
  a = 1;
  b = 2;
  private c = 3;
  /** @internal */
  d = 4;
  /** Documented. */
  m(): number { return this.c; }
  n(): void {}
}
/** A documented subclass: its override inherits the comment of Thing.m. */
export class Sub extends Thing {
  override m(): number { return 2; }
}
export class Bare {}
/** A documented object. */
export const obj = {
  /** Documented. */
  x: 1,
  y: 2,
  documented,
  bare,
  /** Documented. */
  nested: { z: 3 },
};
export type Opt = { a: number };
/** Documented. */
export interface Documented { a: number }
`,
      );
      expect(undocumented([file]).map((m) => m.name)).toEqual([
        'bare',
        'Thing.b',
        'Thing.n',
        'Bare',
        'obj.y',
        'obj.bare',
        'obj.nested.z',
        'Opt',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('published declarations (build/ts, stripInternal)', () => {
  const dts = join(ROOT, 'build/ts/index.d.ts');

  it('leave out @internal members, and a strict consumer compiles against them', () => {
    expect(existsSync(dts), 'run `npm run build` first').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-consumer-'));
    try {
      const file = join(dir, 'consumer.ts');
      const from = (p: string) => JSON.stringify(join(ROOT, 'build/ts', p));
      writeFileSync(
        file,
        `import torch, { Tensor, nn, optim, type DType, type TensorOptions } from ${from('index.js')};
import { saveFile, loadFile } from ${from('node.js')};

class Net extends torch.nn.Module {
  fc = new torch.nn.Linear(4, 2);
  override forward(x: Tensor): Tensor {
    return this.fc.forward(x).relu();
  }
}
const net = new Net();
const opt: optim.Optimizer = new torch.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
const sched = new torch.optim.lrScheduler.StepLR(opt, 1, { gamma: 0.5 });
const opts: TensorOptions = { dtype: 'float64' };
const x = torch.randn([3, 4], opts);
const y: Tensor = torch.scope(() => net.forward(x).sum());
y.backward();
opt.step();
sched.step();
const dt: DType = x.dtype;
const lin: nn.Linear = new nn.Linear(2, 2);
const n = torch.noGrad(() => lin.forward(torch.ones(1, 2)).sum().item());
saveFile('unused.safetensors', { w: lin.weight });
const back: Record<string, Tensor> = loadFile('unused.safetensors');
const labels = torch.tensor([1n, 2n]);
console.log(dt, n, back, labels, torch.nn.functional.relu(x).shape, net.stateDict());
// @ts-expect-error internal members are not in the published declarations
x._storage;
`,
      );
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        skipLibCheck: false, // the .d.ts files themselves are checked: a stripped type they name fails here
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      });
      const errors = ts
        .getPreEmitDiagnostics(program)
        .map((d) => `${d.file ? `${d.file.fileName}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The page's ```ts blocks, each run as a module whose `asgrad` / `asgrad/node` imports are this
// copy of the library; each `console.log(...)` line ends in `// → text` and must print that text.
describe('docs/from-pytorch.md', () => {
  const page = readFileSync(join(ROOT, 'docs/from-pytorch.md'), 'utf8');
  const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
  for (const [i, block] of blocks.entries()) {
    const first = block.split('\n').find((l) => l.includes('// →')) ?? '';
    it(`example ${i + 1} runs and prints what it says (${first.slice(first.indexOf('// →') + 5, first.indexOf('// →') + 50)})`, async () => {
      const expected = block
        .split('\n')
        .filter((l) => l.includes('console.log('))
        .map((l) => l.slice(l.indexOf('// →') + 4).trim());
      const js = ts.transpileModule(block, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false },
      }).outputText;
      const body = js
        .replace(/^import\s+(\w+)\s*,?\s*(\{[^}]*\})?\s*from\s*'asgrad';?$/gm, (_m, def: string, named?: string) =>
          [`const ${def} = __asgrad.default;`, named ? `const ${named.replace(/\btype\s+\w+\s*,?/g, '')} = __asgrad;` : ''].join('\n'),
        )
        .replace(/^import\s*(\{[^}]*\})\s*from\s*'asgrad';?$/gm, 'const $1 = __asgrad;')
        .replace(/^import\s*(\{[^}]*\})\s*from\s*'asgrad\/node';?$/gm, 'const $1 = __asgradNode;')
        .replace(/\bconsole\.log\(/g, '__log(');
      expect(body).not.toMatch(/^\s*import\s/m);
      const printed: string[] = [];
      // Multi-line output (a matrix's repr) is written on one line in the page.
      const log = (...args: unknown[]) => printed.push(args.map((a) => String(a).replace(/\s*\n\s*/g, ' ')).join(' '));
      await new AsyncFunction('__asgrad', '__asgradNode', '__log', body)(asgrad, asgradNode, log);
      expect(printed).toEqual(expected);
    });
  }
});
