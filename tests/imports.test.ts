// The import graph of ts/ (issue 9, point 3): no cycle of value imports, and no value import that
// goes up the layering.
//
// Why: an ES module cycle makes evaluation order depend on which file is loaded first, and a
// top-level constant that touches a binding from a module still being evaluated fails with
// "Cannot access 'X' before initialization". A value-acyclic graph has one evaluation order.
//
// How: every ts/**/*.ts is parsed with the TypeScript compiler API (ts.createSourceFile, no type
// checking). Each `import ... from`, side-effect `import '...'`, `export ... from` and
// `export * from` naming a relative path is an edge. An edge is type-only when written
// `import type` / `export type`, or when every named specifier is `type` (no default, no
// namespace): under this tsconfig (no verbatimModuleSyntax) tsc and esbuild erase those, so they
// never load the module. Dynamic `import()` is not an edge (it runs later, never at load time).
//
// Type-only cycles are allowed. They are erased at compile time, so they cannot change evaluation
// order or cause "before initialization". They are not few: `Tensor` is the type every lower layer
// speaks (autograd's Node, scope, validate, late binding, brand, the op spec), and tensor.ts
// imports those layers' values; removing the cycles would mean a second, structural Tensor
// interface below tensor.ts kept in step by hand, which costs more than the cycles do.
//
// Layers (lowest first; a value import may only point to the same or a lower layer):
//   base      dtype, shape, brand, print, core/wasm (and generated kernel types)
//   state     grad_mode, anomaly_mode, storage, storage_guards, scope, late, validate (the barrel) and validate/*
//   graph     autograd (Node, record, AutogradError: knows Tensor only as a type)
//   tensor    tensor, values (the bodies of its value readers: toArray, item, toString...)
//   kernels   ops/internal, ops/kernels/*, ops/registry (OpSpec, defineOp)
//   ops       ops/<kind>.ts: the op entries (creation, operands, binary, views, ...)
//   engine    engine (the backward pass, which calls ops)
//   registry  ops/index (collects the entries, installs methods, binds the engine late)
//   api       nn, optim
//   facade    index
// The graph layer sits below tensor because tensor.ts throws AutogradError and holds a Node; the
// engine sits below ops/index because ops/index binds the engine's backward into tensor.ts through late.ts.
// A new file under ts/ must be given a layer in LAYERS below (ops/*.ts default to `ops`).
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { tsFiles } from './source-files.js';

const ROOT = resolve(import.meta.dirname, '..');
const TS_DIR = join(ROOT, 'ts');

const LAYER_NAMES = ['base', 'state', 'graph', 'tensor', 'kernels', 'ops', 'engine', 'registry', 'api', 'facade'] as const;
type Layer = (typeof LAYER_NAMES)[number];

/** Layer of each file (path relative to ts/); the first matching entry wins. */
const LAYERS: readonly (readonly [RegExp, Layer])[] = [
  [/^(runtime|dtype|shape|brand|print)\.ts$/, 'base'],
  [/^core\/[^/]+\.ts$/, 'base'],
  [/^(grad_mode|anomaly_mode|storage|storage_guards|scope|late|validate)\.ts$/, 'state'],
  [/^validate\/[^/]+\.ts$/, 'state'],
  [/^autograd\.ts$/, 'graph'],
  [/^(tensor|values)\.ts$/, 'tensor'],
  [/^ops\/(internal|registry|registry\.generated)\.ts$/, 'kernels'],
  [/^ops\/kernels\/[^/]+\.ts$/, 'kernels'],
  [/^fuse\/[^/]+\.ts$/, 'kernels'],
  [/^ops\/index\.ts$/, 'registry'],
  [/^ops\/[^/]+\.ts$/, 'ops'],
  [/^engine\.ts$/, 'engine'],
  [/^(nn|optim|safetensors)\.ts$/, 'api'],
  [/^optim\/[^/]+\.ts$/, 'api'],
  [/^autograd_(api|functional|function|gradcheck|graph)\.ts$/, 'api'],
  [/^node\.ts$/, 'facade'],
  [/^nn\/[^/]+\.ts$/, 'api'],
  [/^data\/[^/]+\.ts$/, 'api'],
  [/^index\.ts$/, 'facade'],
];

function layerOf(file: string): Layer | undefined {
  return LAYERS.find(([re]) => re.test(file))?.[1];
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  line: number;
}

/** The relative imports and re-exports of one source text; `from` and `to` relative to ts/. */
function edgesOf(file: string, text: string): Edge[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const edges: Edge[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean, node: ts.Node): void => {
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return;
    // NodeNext imports name the emitted .js; the source is the .ts beside it.
    const target = resolve(dirname(join(TS_DIR, file)), spec.text).replace(/\.js$/, '.ts');
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    edges.push({ from: file, to: relative(TS_DIR, target).split('\\').join('/'), typeOnly, line });
  };
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const c = st.importClause;
      let typeOnly = false;
      if (c) {
        const named = c.namedBindings;
        typeOnly =
          c.isTypeOnly ||
          (!c.name &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((e) => e.isTypeOnly));
      }
      add(st.moduleSpecifier, typeOnly, st);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier) {
      const ec = st.exportClause;
      const typeOnly =
        st.isTypeOnly || (ec !== undefined && ts.isNamedExports(ec) && ec.elements.length > 0 && ec.elements.every((e) => e.isTypeOnly));
      add(st.moduleSpecifier, typeOnly, st);
    }
  }
  return edges;
}

/**
 * The cycles of a directed graph, one per strongly connected component of more than one node (or
 * a node importing itself): each as a chain `a -> b -> ... -> a`.
 */
function findCycles(nodes: readonly string[], edges: readonly { from: string; to: string }[]): string[][] {
  const succ = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) {
    if (!succ.has(e.from)) succ.set(e.from, []);
    if (!succ.has(e.to)) succ.set(e.to, []);
    succ.get(e.from)?.push(e.to);
  }
  // Tarjan's strongly connected components (recursive: the graph has tens of nodes).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of succ.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      sccs.push(comp);
    }
  };
  for (const v of [...succ.keys()].sort()) if (!index.has(v)) visit(v);

  const cycles: string[][] = [];
  for (const comp of sccs) {
    const inComp = new Set(comp);
    const start = [...comp].sort()[0];
    const selfLoop = (succ.get(start) ?? []).includes(start);
    if (comp.length === 1 && !selfLoop) continue;
    if (selfLoop) {
      cycles.push([start, start]);
      continue;
    }
    // Shortest way back to `start` inside the component (breadth first).
    const prev = new Map<string, string>();
    const queue = [start];
    let end: string | undefined;
    while (queue.length && end === undefined) {
      const v = queue.shift() as string;
      for (const w of succ.get(v) ?? []) {
        if (!inComp.has(w)) continue;
        if (w === start) {
          end = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const chain = [start];
    for (let v = end; v !== undefined && v !== start; v = prev.get(v)) chain.splice(1, 0, v);
    chain.push(start);
    cycles.push(chain);
  }
  return cycles;
}

const FILES = tsFiles(TS_DIR).map((p) => relative(TS_DIR, p).split('\\').join('/'));
const EDGES = FILES.flatMap((f) => edgesOf(f, readFileSync(join(TS_DIR, f), 'utf8')));
const VALUE_EDGES = EDGES.filter((e) => !e.typeOnly);

describe('import graph of ts/', () => {
  it('parses the imports (sanity: known value and type-only edges are seen)', () => {
    const has = (from: string, to: string, typeOnly: boolean): boolean =>
      EDGES.some((e) => e.from === from && e.to === to && e.typeOnly === typeOnly);
    expect(FILES.length).toBeGreaterThan(20);
    expect(has('index.ts', 'tensor.ts', false)).toBe(true);
    expect(has('autograd.ts', 'tensor.ts', true)).toBe(true);
    expect(has('tensor.ts', 'autograd.ts', false)).toBe(true);
  });

  it('every relative import names a file that exists (or is generated by the build)', () => {
    const generated = new Set(['core/kernels.generated.ts', 'ops/registry.generated.ts']);
    const missing = EDGES.filter((e) => !generated.has(e.to) && !existsSync(join(TS_DIR, e.to))).map(
      (e) => `${e.from}:${e.line} -> ${e.to}`,
    );
    expect(missing).toEqual([]);
  });

  it('has no cycle of value imports', () => {
    const cycles = findCycles(FILES, VALUE_EDGES).map((c) => c.join(' -> '));
    expect(cycles, `value import cycles in ts/:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('imports values only from the same or a lower layer', () => {
    const unplaced = FILES.filter((f) => layerOf(f) === undefined);
    expect(unplaced, 'files with no layer: add them to LAYERS in tests/imports.test.ts').toEqual([]);
    const rank = (f: string): number => LAYER_NAMES.indexOf(layerOf(f) ?? 'facade');
    const upward = VALUE_EDGES.filter((e) => rank(e.to) > rank(e.from)).map(
      (e) => `${e.from}:${e.line} (${layerOf(e.from)}) imports ${e.to} (${layerOf(e.to)})`,
    );
    expect(upward).toEqual([]);
  });

  it('the checks can fail: a cycle and a type-only import are recognised in synthetic sources', () => {
    const e1 = edgesOf('a.ts', "import { b } from './b.js';\nimport type { T } from './t.js';\nimport { type U } from './u.js';");
    expect(e1.map((e) => [e.to, e.typeOnly])).toEqual([
      ['b.ts', false],
      ['t.ts', true],
      ['u.ts', true],
    ]);
    const e2 = edgesOf('b.ts', "export { d } from './d.js';\nexport type { T } from './t.js';\nimport './c.js';");
    expect(e2.map((e) => [e.to, e.typeOnly])).toEqual([
      ['d.ts', false],
      ['t.ts', true],
      ['c.ts', false],
    ]);
    const e3 = edgesOf('c.ts', "import * as A from './a.js';\nimport B, { type X } from './b.js';");
    expect(e3.map((e) => [e.to, e.typeOnly])).toEqual([
      ['a.ts', false],
      ['b.ts', false],
    ]);
    const edges = [...e1, ...e2, ...e3].filter((e) => !e.typeOnly);
    expect(findCycles(['a.ts', 'b.ts', 'c.ts'], edges)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCycles(['a.ts', 'b.ts'], [{ from: 'a.ts', to: 'b.ts' }])).toEqual([]);
    expect(findCycles(['a.ts'], [{ from: 'a.ts', to: 'a.ts' }])).toEqual([['a.ts', 'a.ts']]);
  });
});
