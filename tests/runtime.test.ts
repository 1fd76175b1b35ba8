// State has one owner (ts/runtime.ts): no module-level mutable state elsewhere in ts/, no patching
// of the host's globals, `using` without a global Symbol.dispose, and a clear error when two copies
// of asgrad (its ESM and CommonJS builds) meet in one process.
import { describe, expect, it } from 'vitest';
import { tsFiles } from './source-files.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import { transformSync } from 'esbuild';
import { torch, Tensor } from '../ts/index.js';
import { DISPOSE, TENSOR_BRAND, loadedCopies, rt } from '../ts/runtime.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ESM_BUILD = join(ROOT, 'build/ts/index.js');
const CJS_BUILD = join(ROOT, 'build/asgrad.cjs');

/** ts/ sources, by path relative to the root; the generated kernel declarations hold only types. */
const SOURCES = tsFiles(join(ROOT, 'ts'))
  .map((p) => relative(ROOT, p))
  .filter((p) => p !== 'ts/core/kernels.generated.ts');

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
}

/**
 * Module-level values outside runtime.ts that may hold something between calls, and why each is
 * allowed. An entry whose value disappears fails too, so the list shrinks as they move.
 */
const STATE_ALLOW: Record<string, string> = {
  'ts/print.ts:bitsView': 'an 8-byte scratch view: written and read within one call, holds nothing between calls',
  'ts/index.ts:torch': 'the API namespace: functions only',
};

/** Whether a declared type says the value is read-only (`readonly T[]`, `Readonly<...>`, `{ readonly [k]: ... }`). */
function readonlyType(type: ts.TypeNode | undefined, sf: ts.SourceFile): boolean {
  if (!type) return false;
  return /^(readonly\b|Readonly(Array|Map|Set)?<|\{\s*readonly\b)/.test(type.getText(sf));
}

/** Why a module-level const's initializer may be mutable state, or null when it is not. */
function mutableInit(decl: ts.VariableDeclaration, sf: ts.SourceFile): string | null {
  let e = decl.initializer;
  if (!e) return null;
  for (;;) {
    if (ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
    else if (ts.isAsExpression(e)) {
      if (e.type.getText(sf) === 'const') return null; // `as const`: deeply readonly
      e = e.expression;
    } else break;
  }
  if (ts.isCallExpression(e) && e.expression.getText(sf) === 'Object.freeze') return null;
  if (ts.isNewExpression(e)) return `new ${e.expression.getText(sf)}`;
  if ((ts.isArrayLiteralExpression(e) || ts.isObjectLiteralExpression(e)) && !readonlyType(decl.type, sf)) {
    return ts.isArrayLiteralExpression(e) ? 'a mutable array' : 'a mutable object';
  }
  return null;
}

/** Every module-level `let`/`var`, and `const` initialised with a mutable container, outside runtime.ts. */
function moduleState(): { key: string; what: string }[] {
  const found: { key: string; what: string }[] = [];
  for (const file of SOURCES) {
    if (file === 'ts/runtime.ts') continue;
    const sf = parse(file);
    for (const st of sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const d of st.declarationList.declarations) {
        const key = `${file}:${d.name.getText(sf)}`;
        if (!isConst) found.push({ key, what: 'a module-level let/var' });
        else {
          const why = mutableInit(d, sf);
          if (why) found.push({ key, what: `a module-level const holding ${why}` });
        }
      }
    }
  }
  return found;
}

/** Host globals no module may write to (its own objects are its business). */
const HOST_GLOBALS = new Set([
  'globalThis',
  'window',
  'self',
  'global',
  'Symbol',
  'Object',
  'Array',
  'Function',
  'Math',
  'Number',
  'String',
  'Boolean',
  'BigInt',
  'Promise',
  'Map',
  'Set',
  'WeakMap',
  'Reflect',
  'JSON',
  'WebAssembly',
  'Error',
  'TypeError',
  'RangeError',
  'Date',
  'RegExp',
  'Intl',
  'console',
  'process',
  'FinalizationRegistry',
]);

function rootName(e: ts.Expression): string | null {
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
  return ts.isIdentifier(e) ? e.text : null;
}

const MUTATORS = /^(Object|Reflect)\.(defineProperty|defineProperties|assign|setPrototypeOf|set|deleteProperty)$/;

/** The one write to the host allowed: runtime.ts adds the list of loaded copies (a new, non-enumerable key). */
const GLOBAL_WRITE_ALLOW = [
  'ts/runtime.ts: Object.defineProperty(globalThis, COPIES_KEY',
  // Anomaly mode (debugging only) raises V8's stack depth for the one capture of a node's forward
  // stack and restores it in a finally: the library's own frames would otherwise fill the 10 kept.
  'ts/anomaly_mode.ts: Error.stackTraceLimit = 100',
  'ts/anomaly_mode.ts: Error.stackTraceLimit = limit',
];

/** Writes to host globals: assignments rooted at one, and Object/Reflect mutators applied to one. */
function globalWrites(): string[] {
  const found: string[] = [];
  for (const file of SOURCES) {
    const sf = parse(file);
    const visit = (n: ts.Node): void => {
      let target: ts.Expression | null = null;
      if (
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        n.operatorToken.kind <= ts.SyntaxKind.LastAssignment
      ) {
        if (!ts.isIdentifier(n.left)) target = n.left; // a plain name is a local (or a module's own) binding
      } else if (ts.isDeleteExpression(n)) target = n.expression;
      else if (ts.isCallExpression(n) && MUTATORS.test(n.expression.getText(sf)) && n.arguments.length > 0) target = n.arguments[0];
      if (target) {
        const root = rootName(target);
        if (root && HOST_GLOBALS.has(root)) found.push(`${file}: ${n.getText(sf).slice(0, 60)}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return found;
}

describe('one owner of state', () => {
  it('no module-level mutable state in ts/ outside runtime.ts (except the allow-list, each with its reason)', () => {
    const found = moduleState();
    const unexpected = found.filter((f) => !(f.key in STATE_ALLOW)).map((f) => `${f.key}: ${f.what} (keep it in ts/runtime.ts)`);
    expect(unexpected).toEqual([]);
    const stale = Object.keys(STATE_ALLOW).filter((k) => !found.some((f) => f.key === k));
    expect(stale, 'allow-list entries that no longer match anything: remove them').toEqual([]);
  });

  it('the scan sees what it must (a let, a Map, a mutable table) and lets frozen tables pass', () => {
    const sf = ts.createSourceFile(
      'x.ts',
      [
        'let a = 0;',
        'const b = new Map<string, number>();',
        'const c: string[] = [];',
        "const d = { x: 'y' };",
        'const e = Object.freeze({ x: 1 });',
        'const f = [1, 2] as const;',
        'const g: readonly number[] = [1];',
        'const h: Readonly<Record<string, number>> = { x: 1 };',
      ].join('\n'),
      ts.ScriptTarget.ES2022,
      true,
    );
    const flagged: string[] = [];
    for (const st of sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const d of st.declarationList.declarations) if (!isConst || mutableInit(d, sf)) flagged.push(d.name.getText(sf));
    }
    expect(flagged).toEqual(['a', 'b', 'c', 'd']);
  });

  it('runtime.ts imports nothing at run time from ts/ (types only): it cannot be part of an import cycle', () => {
    const sf = parse('ts/runtime.ts');
    const runtimeImports = sf.statements
      .filter(ts.isImportDeclaration)
      .filter((d) => !d.importClause?.isTypeOnly)
      .map((d) => d.moduleSpecifier.getText(sf));
    expect(runtimeImports).toEqual([]);
    expect(sf.statements.some((s) => ts.isExportDeclaration(s) && !s.isTypeOnly && s.moduleSpecifier)).toBe(false);
  });

  it('the modules read and write the runtime object (grad mode, scopes, storages, core, autograd)', () => {
    expect(rt.grad.enabled).toBe(true);
    torch.noGrad(() => expect(rt.grad.enabled).toBe(false));
    const before = rt.storage.stats.liveStorages;
    const x = torch.ones(3, { requiresGrad: true });
    expect(rt.storage.stats.liveStorages).toBe(before + 1);
    expect(torch.memory().liveStorages).toBe(rt.storage.stats.liveStorages);
    expect(rt.core.exports).not.toBeNull();
    const pass = rt.autograd.pass;
    x.mul(2).sum().backward();
    expect(rt.autograd.pass).toBe(pass + 1);
    torch.scope(() => {
      expect(rt.scope.als === null ? rt.scope.stack.length : rt.scope.als.getStore()).toBeTruthy();
    });
    x.dispose();
  });

  it("nothing in ts/ writes to the host globals, but the allow-list (runtime.ts's registration, anomaly mode's stack depth)", () => {
    const writes = globalWrites();
    const unexpected = writes.filter((w) => !GLOBAL_WRITE_ALLOW.some((a) => w.startsWith(a)));
    expect(unexpected).toEqual([]);
    expect(writes.length).toBe(GLOBAL_WRITE_ALLOW.length);
  });
});

describe('Symbol.dispose without patching the host', () => {
  it('the dispose key is the host Symbol.dispose where it has one, and `using` releases', () => {
    expect(DISPOSE).toBe(Symbol.dispose);
    const t = torch.zeros(2);
    expect(typeof t[Symbol.dispose]).toBe('function');
    const before = torch.memory().liveStorages;
    {
      using u = torch.zeros(10);
      expect(u.numel()).toBe(10);
      expect(torch.memory().liveStorages).toBe(before + 1);
    }
    expect(torch.memory().liveStorages).toBe(before);
    t.dispose();
  });

  /**
   * The CommonJS bundle run in a fresh realm (node:vm) whose Symbol has no `dispose`, as in engines
   * without explicit resource management: loading it must not define one, and `using` as lowered
   * by esbuild (and by TypeScript, given a polyfill with the usual key) still releases.
   */
  function freshRealm(): { ctx: vm.Context; live: () => number } {
    expect(existsSync(CJS_BUILD), 'build/asgrad.cjs is missing: run `npm run build`').toBe(true);
    const ctx = vm.createContext({ process, console, URL, TextDecoder, TextEncoder });
    const mod = { exports: {} as Record<string, unknown> };
    const wrapped = vm.runInContext(`(function (require, module, exports, __filename) {${readFileSync(CJS_BUILD, 'utf8')}\n})`, ctx, {
      filename: CJS_BUILD,
    }) as (...a: unknown[]) => void;
    wrapped(createRequire(CJS_BUILD), mod, mod.exports, CJS_BUILD);
    ctx.torch = mod.exports.torch;
    return { ctx, live: () => vm.runInContext('torch.memory().liveTensors', ctx) as number };
  }

  it('a realm without Symbol.dispose: not defined by loading asgrad; esbuild-lowered `using` releases', () => {
    const { ctx, live } = freshRealm();
    expect(vm.runInContext('typeof Symbol.dispose', ctx)).toBe('undefined');
    expect(vm.runInContext("typeof torch.zeros(1)[Symbol.for('Symbol.dispose')]", ctx)).toBe('function');
    const before = live();
    const code = transformSync('{ using t = torch.zeros(3); globalThis.inside = torch.memory().liveTensors; }', { target: 'es2022' }).code;
    expect(code).toContain('Symbol.for("Symbol." + name)'); // the fallback key this relies on
    vm.runInContext(code, ctx);
    expect(ctx.inside).toBe(before + 1);
    expect(live()).toBe(before);
    expect(vm.runInContext('typeof Symbol.dispose', ctx)).toBe('undefined');
  });

  it('a realm without Symbol.dispose: TypeScript-lowered `using` releases once a polyfill sets the usual key', () => {
    const { ctx, live } = freshRealm();
    const code = ts.transpileModule('{ using t = torch.zeros(3); globalThis.inside = torch.memory().liveTensors; }', {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
    }).outputText;
    // TypeScript's helper needs a Symbol.dispose and says so; asgrad no longer defines it.
    expect(() => vm.runInContext(code, ctx)).toThrow(/Symbol.dispose is not defined/);
    vm.runInContext("Symbol.dispose = Symbol.for('Symbol.dispose');", ctx); // what core-js installs
    const before = live();
    vm.runInContext(code, ctx);
    expect(ctx.inside).toBe(before + 1);
    expect(live()).toBe(before);
  });
});

describe('two copies of asgrad in one process (the dual-package hazard)', () => {
  it('a tensor of the CommonJS bundle passed to these sources: a TypeError that says what happened and how to fix it', () => {
    expect(existsSync(CJS_BUILD), 'build/asgrad.cjs is missing: run `npm run build`').toBe(true);
    const other = createRequire(import.meta.url)(CJS_BUILD) as { torch: typeof torch; Tensor: typeof Tensor };
    const theirs = other.torch.tensor([1, 2, 3]);
    const ours = torch.tensor([1, 2, 3]);
    expect(theirs instanceof Tensor).toBe(false);
    // Both copies are listed on globalThis, this one first (the list keeps what else was loaded in this worker).
    const listed = loadedCopies().map((c) => c.location);
    expect(listed.indexOf(rt.copy.location)).toBeLessThan(listed.lastIndexOf(pathToFileURL(CJS_BUILD).href));
    expect(listed.indexOf(rt.copy.location)).toBeGreaterThanOrEqual(0);
    expect((theirs as unknown as Record<symbol, { location: string }>)[TENSOR_BRAND].location).toBe(pathToFileURL(CJS_BUILD).href);
    const attempts: [string, () => unknown][] = [
      ['add', () => torch.add(theirs, 1)],
      ['add', () => ours.add(theirs)],
      ['mul', () => ours.mul(theirs)],
      ['matmul', () => torch.matmul(ours, theirs)],
      ['stack', () => torch.stack([theirs])],
      ['their add', () => theirs.add(ours)],
    ];
    for (const [what, f] of attempts) {
      let err: unknown = null;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(TypeError);
      const msg = (err as Error).message;
      expect(msg, what).toMatch(/asgrad was loaded twice in this process/);
      expect(msg, what).toMatch(/ESM build \(import 'asgrad'\) and its CommonJS build \(require\('asgrad'\)\), or two installed versions/);
      expect(msg, what).toMatch(/Tensors of one copy cannot be used by the other/);
      expect(msg, what).toMatch(/npm dedupe/);
      expect(msg, what).toContain(pathToFileURL(CJS_BUILD).href);
    }
    // A value that is not a tensor at all still gets PyTorch's message.
    expect(() => torch.add('x' as unknown as Tensor, 1)).toThrow("add(): argument 'input' (position 1) must be Tensor, not str");
    // Each copy still works on its own tensors after the errors.
    expect(ours.add(ours).tolist()).toEqual([2, 4, 6]);
    expect(theirs.mul(theirs).sum().item()).toBe(14);
    ours.dispose();
    theirs.dispose();
  });

  it('the ESM build and the CommonJS bundle in one Node process: each works alone; mixing them fails clearly', () => {
    expect(existsSync(ESM_BUILD) && existsSync(CJS_BUILD), 'build/ is missing: run `npm run build`').toBe(true);
    // A fresh process, as a user's program: `import 'asgrad'` in one module, `require('asgrad')` in another.
    const script = `
      import { createRequire } from 'node:module';
      const [esmUrl, cjsPath] = process.argv.slice(1);
      const esm = await import(esmUrl);
      const cjs = createRequire(cjsPath)(cjsPath);
      const alone = (torch) => {
        const x = torch.tensor([1, 2, 3], { requiresGrad: true });
        const y = x.mul(x).sum();
        y.backward();
        torch.manualSeed(7);
        return { y: y.item(), grad: x.grad.tolist(), rand: Array.from(torch.rand(4).toArray()) };
      };
      const out = { esm: alone(esm.torch), cjs: alone(cjs.torch), errors: [] };
      const a = esm.torch.ones(2), b = cjs.torch.ones(2);
      for (const f of [() => cjs.torch.add(a, 1), () => b.add(a), () => a.add(b), () => esm.torch.cat([a, b])]) {
        try { f(); out.errors.push(null); } catch (e) { out.errors.push({ name: e.name, message: e.message }); }
      }
      out.after = [esm.torch.ones(2).add(a).tolist(), cjs.torch.ones(2).add(b).tolist()];
      out.copies = globalThis[Symbol.for('asgrad.runtime')].map((c) => c.location);
      console.log(JSON.stringify(out));
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(ESM_BUILD).href, CJS_BUILD], {
      encoding: 'utf8',
    });
    const out = JSON.parse(stdout) as {
      esm: { y: number; grad: number[]; rand: number[] };
      cjs: { y: number; grad: number[]; rand: number[] };
      errors: ({ name: string; message: string } | null)[];
      after: number[][];
      copies: string[];
    };
    // d/dx sum(x*x) = 2x, in each copy alone; the same seed gives the same stream in each core.
    for (const c of [out.esm, out.cjs]) {
      expect(c.y).toBe(14);
      expect(c.grad).toEqual([2, 4, 6]);
    }
    expect(out.cjs.rand).toEqual(out.esm.rand);
    expect(out.copies).toEqual([pathToFileURL(join(ROOT, 'build/ts/runtime.js')).href, pathToFileURL(CJS_BUILD).href]);
    expect(out.errors).toHaveLength(4);
    for (const e of out.errors) {
      expect(e?.name).toBe('TypeError');
      expect(e?.message).toMatch(/got a Tensor made by another copy of asgrad, .* asgrad was loaded twice in this process/);
      expect(e?.message).toContain('build/ts/runtime.js');
      expect(e?.message).toContain('build/asgrad.cjs');
      expect(e?.message).toMatch(/load asgrad one way everywhere \(only import, or only require\)/);
    }
    expect(out.errors[0]?.message).toMatch(/^add\(\): argument 'input' \(position 1\): /);
    // An ESM tensor given to the CommonJS copy: the message says which copy made it and which got it.
    const esmCopy = `copy 1 (${pathToFileURL(join(ROOT, 'build/ts/runtime.js')).href})`;
    const cjsCopy = `copy 2 (${pathToFileURL(CJS_BUILD).href})`;
    expect(out.errors[0]?.message).toContain(`another copy of asgrad, ${esmCopy}, than the one it was passed to, ${cjsCopy}.`);
    expect(out.errors[2]?.message).toContain(`another copy of asgrad, ${cjsCopy}, than the one it was passed to, ${esmCopy}.`);
    expect(out.errors[1]?.message).toMatch(/^add\(\): argument 'other' \(position 1\): /);
    expect(out.after).toEqual([
      [2, 2],
      [2, 2],
    ]);
  });
});
