// Writes ts/ops/registry.generated.ts (git-ignored): the TypeScript types of what the op registry
// derives at run time — Tensor's methods and properties, the `torch.*` ops and `nn.functional`.
//
// Why a generator: the op files' backward formulas call Tensor methods, and Tensor's methods come
// from the op entries, so a type computed from the entries' values (typeof OPS) refers to itself
// and tsc gives up. This script reads the entries' syntax instead (no type checking): each method is
// typed from its op's declaration (`typeof fn`, receiver dropped), so nothing is written twice and
// an entry is all an op needs. Run by `npm run build:ts` and `npm run typecheck` before tsc.
//
// Each generated member carries its entry's `doc` and PyTorch name as a doc comment, so editors and
// the API reference (`npm run docs`) show the registry's own words without writing them twice.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}ts/ops/`;
const target = `${dir}registry.generated.ts`;

/** Entry makers whose `fn` is built inside them, by the signature they give it. */
const MADE = {
  unaryOp: { fn: '(x: Tensor) => Tensor', method: '() => Tensor' },
  binaryOp: { fn: '(x: Tensor, y: Tensor) => Tensor', method: '(other: Tensor) => Tensor' },
  compareOp: { fn: '(x: Tensor | Scalar, y: Tensor | Scalar) => Tensor', method: '(other: Tensor | Scalar) => Tensor' },
};

/** The entry being read: its doc string and PyTorch name, recorded with every member it adds. */
let current = { name: '', doc: '', py: '' };
/** A name -> type map that also remembers the doc of the entry that set each name. */
class Members extends Map {
  docs = new Map();
  set(k, v) {
    this.docs.set(k, current);
    return super.set(k, v);
  }
}
const methods = new Members();
const properties = new Members();
const torchOps = new Members();
const functional = new Members();
const imports = new Map(); // file -> Set of names
const fail = (file, node, msg) => {
  const sf = node.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
  throw new Error(`ts/ops/${file}:${line + 1}: ${msg}`);
};

function useName(file, name) {
  if (!imports.has(file)) imports.set(file, new Set());
  imports.get(file).add(name);
  return `typeof ${alias(file, name)}`;
}
const alias = (file, name) => `${file.replace(/\.ts$/, '').replace(/\W/g, '_')}_${name}`;

/** The type of a function-valued expression of `file`: an identifier's declared type, or an arrow's own text. */
function typeOf(file, expr, src) {
  if (ts.isIdentifier(expr)) return useName(file, expr.text);
  if (ts.isArrowFunction(expr) || ts.isFunctionExpression(expr)) {
    if (!expr.type) fail(file, expr, 'an adapter written inline states its return type');
    const params = expr.parameters.map((p) => {
      if (!p.type) fail(file, p, 'an adapter written inline types its parameters');
      return p.getText(src);
    });
    return `(${params.join(', ')}) => ${expr.type.getText(src)}`;
  }
  if (ts.isCallExpression(expr)) return `ReturnType<typeof ${useName(file, expr.expression.getText(src)).slice(7)}>`;
  fail(file, expr, 'a function here is an identifier, an inline arrow or a call');
}
const asMethod = (t) => `AsMethod<${t}>`;

function props(obj) {
  const out = new Map();
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p)) out.set(p.name.getText().replace(/^['"]|['"]$/g, ''), p.initializer);
    else if (ts.isShorthandPropertyAssignment(p)) out.set(p.name.text, p.name);
  }
  return out;
}

function entry(file, src, call) {
  const maker = call.expression.getText(src);
  const arg = call.arguments[0];
  let name;
  let spec = new Map();
  if (maker === 'compareOp') {
    name = arg.text;
    spec.set('methods', null);
  } else {
    if (!arg || !ts.isObjectLiteralExpression(arg)) fail(file, call, `${maker}: expected an object literal`);
    spec = props(arg);
    name = spec.get('name')?.text;
  }
  if (!name) fail(file, call, 'an entry names itself with a string literal');
  const docArg = maker === 'compareOp' ? call.arguments[1] : spec.get('doc');
  const py = spec.get('py');
  current = { name, doc: literal(docArg) ?? '', py: (py && literal(py)) ?? name };
  const made = MADE[maker];
  const fnType = made ? made.fn : typeOf(file, spec.get('fn'), src);
  const methodType = made ? made.method : asMethod(fnType);
  if (spec.get('torch')?.kind !== ts.SyntaxKind.FalseKeyword) torchOps.set(name, fnType);
  const named = (key, into, mapValue) => {
    const v = spec.get(key);
    if (maker === 'compareOp' && key === 'methods') {
      into.set(name, methodType);
      return;
    }
    if (!v) return;
    if (key === 'functional' && made && v.kind === ts.SyntaxKind.TrueKeyword) {
      into.set(name, fnType); // unaryOp's `functional: true`
      return;
    }
    if (!ts.isObjectLiteralExpression(v)) {
      if (made) {
        into.set(name, key === 'methods' ? methodType : fnType); // `{ [s.name]: true }` inside a maker
        return;
      }
      fail(file, v, `${key}: expected an object literal`);
    }
    for (const [k, val] of props(v)) {
      into.set(k, val.kind === ts.SyntaxKind.TrueKeyword ? (key === 'methods' ? methodType : fnType) : mapValue(typeOf(file, val, src)));
    }
  };
  if (made) {
    into(methods, name, methodType);
    if (spec.get('functional')?.kind === ts.SyntaxKind.TrueKeyword) functional.set(name, fnType);
  } else {
    named('methods', methods, asMethod);
    named('functional', functional, (t) => t);
    named('aliases', torchOps, (t) => t);
    const pr = spec.get('properties');
    if (pr) for (const [k, val] of props(pr)) properties.set(k, `ReturnType<${typeOf(file, val, src)}>`);
  }
  if (made && spec.get('aliases')) fail(file, call, 'aliases of a made entry: use defineOp');
}
/** The text of a string literal (or a concatenation of them), else undefined. */
function literal(node) {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = literal(node.left);
    const r = literal(node.right);
    return l === undefined || r === undefined ? undefined : l + r;
  }
  return undefined;
}
function into(map, k, v) {
  map.set(k, v);
}

for (const file of readdirSync(dir).sort()) {
  if (!file.endsWith('.ts') || file.endsWith('.generated.ts')) continue;
  const text = readFileSync(dir + file, 'utf8');
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  for (const st of src.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (!/^[A-Z_]+_OPS$/.test(d.name.getText(src))) continue;
      let table = d.initializer;
      while (table && (ts.isAsExpression(table) || ts.isSatisfiesExpression(table))) table = table.expression;
      if (!table || !ts.isObjectLiteralExpression(table)) fail(file, d, 'a *_OPS table is an object literal');
      for (const p of table.properties) {
        if (!ts.isPropertyAssignment(p) || !ts.isCallExpression(p.initializer)) fail(file, p, 'each entry is `key: maker({...})`');
        entry(file, src, p.initializer);
      }
    }
  }
}

const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** A doc comment: the entry's doc, then how PyTorch spells this member (`where` prefixes the name). */
function comment(map, k, where) {
  const { name, doc, py } = map.docs.get(k);
  // The entry's own name is its `py`; other names (aliases, other method spellings) are camelCase
  // renderings of PyTorch's snake_case ones.
  const pyName = k === name ? py : snake(k);
  const text = doc ? `${doc}\n\nPyTorch: \`${where}${pyName}\`.` : `PyTorch: \`${where}${pyName}\`.`;
  const lines = text.replace(/\*\//g, '*\\/').split('\n');
  return `  /**\n${lines.map((l) => (l ? `   * ${l}` : '   *')).join('\n')}\n   */\n`;
}
const block = (map, fmt, where) => [...map].map(([k, t]) => `${comment(map, k, where)}  ${fmt(key(k), t)};`).join('\n');
const importLines = [...imports]
  .map(
    ([file, names]) =>
      `import type { ${[...names]
        .sort()
        .map((n) => `${n} as ${alias(file, n)}`)
        .join(', ')} } from './${file.replace(/\.ts$/, '.js')}';`,
  )
  .join('\n');

const out = `// Generated by scripts/registry-types.mjs from the op entries of ts/ops/*.ts: do not edit.
import type { Tensor } from '../tensor.js';
import type { Scalar } from './operands.js';
${importLines}

type Tail<P> = P extends readonly [unknown, ...infer R] ? R : never;
// biome-ignore lint/suspicious/noExplicitAny: matches a function of any signature.
// Up to three overloads are kept (torch.max(x, other) / torch.max(x) / torch.max(x, dim)); a plain
// function gives three equal ones.
type AsMethod<F> = F extends { (...args: infer A1): infer R1; (...args: infer A2): infer R2; (...args: infer A3): infer R3 }
  ? { (...args: Tail<A1>): R1; (...args: Tail<A2>): R2; (...args: Tail<A3>): R3 }
  : never;

/** Tensor's methods from the registry (each entry's \`methods\`). */
export interface TensorMethods {
${block(methods, (k, t) => `${k}: ${t}`, 'Tensor.')}
}

/** Tensor's read-only properties from the registry (each entry's \`properties\`). */
export interface TensorProperties {
${block(properties, (k, t) => `readonly ${k}: ${t}`, 'Tensor.')}
}

/** \`torch.*\` ops from the registry (entries not marked \`torch: false\`, and \`aliases\`). */
export interface TorchOps {
${block(torchOps, (k, t) => `${k}: ${t}`, 'torch.')}
}

/** \`nn.functional\` from the registry (each entry's \`functional\`). */
export interface Functional {
${block(functional, (k, t) => `${k}: ${t}`, 'torch.nn.functional.')}
}
`;
writeFileSync(target, out);
console.log(
  `registry types: ${methods.size} methods, ${properties.size} properties, ${torchOps.size} torch ops, ${functional.size} functional`,
);
