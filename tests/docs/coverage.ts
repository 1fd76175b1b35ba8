// Which parts of the public surface have no doc comment (issue 13, part 7).
//
// The surface is what a user can reach from the package's entry points: each exported name, the
// members of exported namespaces (nn, nn.init, optim.lrScheduler...), the properties of exported
// objects (the `torch` object, down through torch.autograd, torch.nn, torch.optim...), and the public
// members of exported classes, inherited ones included (Tensor's registry methods come from the
// TensorMethods interface it merges with). Private, protected, `#private`, `@internal` and
// `@hidden` members are not public; members declared outside the project (Error's `message`) are
// not ours to document.
//
// A name counts as documented when its declaration has a doc comment with text. A member that
// overrides a documented one inherits its comment (as TypeScript and TypeDoc show it). An object
// property that only names something else (`{ Tensor }`, `lrScheduler: optim.lrScheduler`) is
// documented by that thing's comment, which is what the reference shows for it.
import { resolve } from 'node:path';
import ts from 'typescript';

export interface Missing {
  /** The public spelling, e.g. `torch.nn.Linear.forward`. */
  readonly name: string;
  /** Where it is declared: path relative to the project root, and line. */
  readonly at: string;
}

const ROOT = resolve(import.meta.dirname, '../..');

/** The undocumented public names reachable from `entries` (paths to .ts files), in walk order. */
export function undocumented(entries: readonly string[], tsconfig = resolve(ROOT, 'tsconfig.build.json')): Missing[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  const program = ts.createProgram([...entries], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const missing: Missing[] = [];
  const seen = new Set<ts.Node | ts.Symbol>();

  const resolveAlias = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const ours = (d: ts.Declaration): boolean => {
    const f = d.getSourceFile().fileName;
    return !f.includes('/node_modules/') && !program.isSourceFileDefaultLibrary(d.getSourceFile());
  };
  const where = (d: ts.Node): string => {
    const sf = d.getSourceFile();
    const { line } = sf.getLineAndCharacterOfPosition(d.getStart());
    return `${sf.fileName.startsWith(ROOT) ? sf.fileName.slice(ROOT.length + 1) : sf.fileName}:${line + 1}`;
  };

  /** Doc comments written on `node`, or on the statement that holds it (export declarations, variable statements). */
  function docsOf(node: ts.Node): ts.JSDoc[] {
    let n: ts.Node = node;
    if (ts.isExportSpecifier(n)) n = n.parent.parent;
    else if (ts.isNamespaceExport(n)) n = n.parent;
    else if (ts.isVariableDeclaration(n)) n = n.parent.parent;
    return ts.getJSDocCommentsAndTags(n).filter(ts.isJSDoc);
  }
  const hasText = (docs: readonly ts.JSDoc[]): boolean =>
    docs.some((d) => (typeof d.comment === 'string' ? d.comment.trim() !== '' : (d.comment?.length ?? 0) > 0));
  const hasTag = (s: ts.Symbol, tags: readonly string[]): boolean =>
    (s.declarations ?? []).some((d) => docsOf(d).some((j) => (j.tags ?? []).some((t) => tags.includes(t.tagName.text))));
  const documented = (s: ts.Symbol): boolean =>
    ts.displayPartsToString(s.getDocumentationComment(checker)).trim() !== '' || (s.declarations ?? []).some((d) => hasText(docsOf(d)));

  /** Whether `s` (an alias, a property naming a value, or the value) carries a comment somewhere along the way. */
  function documentedThrough(s: ts.Symbol): boolean {
    if (documented(s)) return true;
    for (const d of s.declarations ?? []) {
      let target: ts.Symbol | undefined;
      if (ts.isShorthandPropertyAssignment(d)) target = checker.getShorthandAssignmentValueSymbol(d);
      else if (ts.isPropertyAssignment(d) && (ts.isIdentifier(d.initializer) || ts.isPropertyAccessExpression(d.initializer)))
        target = checker.getSymbolAtLocation(d.initializer);
      if (target && target !== s && documentedThrough(resolveAlias(target))) return true;
    }
    if (s.flags & ts.SymbolFlags.Alias) return documentedThrough(resolveAlias(s));
    return false;
  }

  function report(name: string, s: ts.Symbol): void {
    const d = s.declarations?.[0];
    if (!d || seen.has(d)) return;
    seen.add(d);
    if (!documentedThrough(s)) missing.push({ name, at: where(d) });
  }

  function visitModule(prefix: string, mod: ts.Symbol): void {
    if (seen.has(mod)) return;
    seen.add(mod);
    for (const e of checker.getExportsOfModule(mod)) visit(`${prefix}${e.name}`, e);
  }

  /** The value a property or export stands for: a class, a namespace or an object. */
  function visitValue(name: string, s: ts.Symbol, type: ts.Type): void {
    const target = resolveAlias(s);
    if (target.flags & ts.SymbolFlags.ValueModule || target.flags & ts.SymbolFlags.NamespaceModule) {
      visitModule(`${name}.`, target);
      return;
    }
    const valueSym = type.getSymbol();
    if (valueSym && valueSym.flags & ts.SymbolFlags.Class) {
      visitClass(name, valueSym);
      return;
    }
    if (valueSym && valueSym.flags & ts.SymbolFlags.ValueModule) {
      visitModule(`${name}.`, valueSym);
      return;
    }
    if (type.getCallSignatures().length > 0 || !(type.flags & ts.TypeFlags.Object)) return;
    if (seen.has(type as unknown as ts.Node)) return;
    seen.add(type as unknown as ts.Node);
    for (const p of checker.getPropertiesOfType(type)) {
      if (hasTag(p, ['internal', 'hidden', 'ignore'])) continue;
      report(`${name}.${p.name}`, p);
      visitValue(`${name}.${p.name}`, p, checker.getTypeOfSymbol(p));
    }
  }

  /** Whether a base type declared outside the project has this member (an Error subclass's `name`). */
  function restatesForeign(type: ts.Type, member: string): boolean {
    for (const base of type.isClassOrInterface() ? checker.getBaseTypes(type) : []) {
      const p = checker.getPropertyOfType(base, member);
      if (p && !(p.declarations ?? []).some(ours)) return true;
      if (restatesForeign(base, member)) return true;
    }
    return false;
  }

  function visitClass(name: string, cls: ts.Symbol): void {
    if (seen.has(cls)) return;
    seen.add(cls);
    report(name, cls);
    const members = (type: ts.Type, sep: string) => {
      for (const m of checker.getPropertiesOfType(type)) {
        if (m.name === 'prototype' || m.name.startsWith('#') || m.name.startsWith('__@')) continue;
        const decls = m.declarations ?? [];
        if (decls.length === 0 || !decls.some(ours)) continue;
        const flags = decls.reduce((f, d) => f | ts.getCombinedModifierFlags(d), 0);
        if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        if (hasTag(m, ['internal', 'hidden', 'ignore'])) continue;
        if (restatesForeign(type, m.name)) continue;
        report(`${name}${sep}${m.name}`, m);
      }
    };
    members(checker.getDeclaredTypeOfSymbol(cls), '.');
    members(checker.getTypeOfSymbol(cls), '.');
  }

  function visit(name: string, s: ts.Symbol): void {
    const target = resolveAlias(s);
    if (hasTag(s, ['internal', 'hidden', 'ignore']) || hasTag(target, ['internal', 'hidden', 'ignore'])) return;
    if (target.flags & ts.SymbolFlags.Class) {
      // The class's own comment is reported by visitClass (once, however many names reach it).
      if (!documentedThrough(s)) report(name, target);
      visitClass(name, target);
      return;
    }
    report(name, s.flags & ts.SymbolFlags.Alias && !documented(s) ? target : s);
    if (target.flags & (ts.SymbolFlags.Variable | ts.SymbolFlags.Property | ts.SymbolFlags.ValueModule)) {
      visitValue(name, target, checker.getTypeOfSymbol(target));
    }
  }

  for (const entry of entries) {
    const sf = program.getSourceFile(entry);
    if (!sf) throw new Error(`${entry} is not part of the program`);
    const mod = checker.getSymbolAtLocation(sf);
    if (!mod) throw new Error(`${entry} is not a module`);
    visitModule('', mod);
  }
  return missing;
}

/** The package's entry points, as ts/ paths (`asgrad` and `asgrad/node`). */
export const ENTRIES: readonly string[] = [resolve(ROOT, 'ts/index.ts'), resolve(ROOT, 'ts/node.ts')];
