// Options objects (`{ dtype, requiresGrad }`, `{ retainGraph }`...): each entry declares its keys and
// their kinds once, at load time (`optionSpec`); `options(spec, opts)` checks a call against it.
import { isTensor } from '../brand.js';
import { bool, dims, dtype, int, number, optNumber, optTensor, reduction } from './args.js';
import { typeName } from './names.js';

/** The kinds an option's value can be declared as. */
export type OptKind = 'bool' | 'number' | 'optNumber' | 'int' | 'dims' | 'dtype' | 'reduction' | 'optTensor' | 'any';

/** An entry's options object: the keys it knows, built once (at load time) per entry. */
export interface OptionSpec {
  readonly entry: string;
  /** key -> kind, on a null-prototype object (so 'toString' is not a key). */
  readonly kinds: Readonly<Record<string, OptKind>>;
  /** normalised key (lower case, no '_') -> the real key, for "did you mean" hints. */
  readonly hints: ReadonlyMap<string, string>;
  /** Keys PyTorch has on this entry that asgrad does not implement (normalised). */
  readonly unsupported: ReadonlySet<string>;
}

const normaliseKey = (k: string): string => k.replace(/_/g, '').toLowerCase();

/** Declares an entry's options: `optionSpec('ones', { dtype: 'dtype', requiresGrad: 'bool' })`. */
export function optionSpec(entry: string, kinds: Record<string, OptKind>, unsupported: readonly string[] = []): OptionSpec {
  const table = Object.assign(Object.create(null) as Record<string, OptKind>, kinds);
  const hints = new Map<string, string>();
  for (const k of Object.keys(kinds)) hints.set(normaliseKey(k), k);
  return { entry, kinds: table, hints, unsupported: new Set(unsupported.map(normaliseKey)) };
}

function unexpectedKey(spec: OptionSpec, key: string): TypeError {
  let msg = `${spec.entry}() got an unexpected keyword argument '${key}'`;
  const hint = spec.hints.get(normaliseKey(key));
  if (hint !== undefined) msg += ` (did you mean ${hint}?)`;
  else if (spec.unsupported.has(normaliseKey(key))) msg += ' (PyTorch has it; asgrad does not support it)';
  return new TypeError(msg);
}

function checkOptValue(kind: OptKind, v: unknown, entry: string, key: string): void {
  switch (kind) {
    case 'bool':
      bool(v, entry, key);
      return;
    case 'number':
      number(v, entry, key);
      return;
    case 'optNumber':
      optNumber(v, entry, key);
      return;
    case 'int':
      int(v, entry, key);
      return;
    case 'dims':
      dims(v, entry, key);
      return;
    case 'dtype':
      dtype(v, entry, key);
      return;
    case 'reduction':
      reduction(v);
      return;
    case 'optTensor':
      optTensor(v, entry, key);
      return;
    case 'any':
      return;
  }
}

/** Whether `v` is an options object (a plain object, not an array, tensor or typed array). */
export function isOptions(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isTensor(v) && !ArrayBuffer.isView(v);
}

/**
 * Checks an options object against its entry's spec: every key known (else PyTorch's "got an
 * unexpected keyword argument", with a hint for snake_case spellings), every value of its kind.
 * `undefined` values count as absent (Python's None for optional arguments).
 */
export function options(spec: OptionSpec, opts: unknown): void {
  if (opts === undefined) return;
  if (!isOptions(opts)) throw new TypeError(`${spec.entry}(): the options argument must be an object, not ${typeName(opts)}`);
  for (const k in opts) {
    const kind = spec.kinds[k];
    if (kind === undefined) throw unexpectedKey(spec, k);
    const v = opts[k];
    if (v !== undefined) checkOptValue(kind, v, spec.entry, k);
  }
}
