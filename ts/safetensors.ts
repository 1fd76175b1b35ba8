// torch.safetensors: the safetensors format (github.com/huggingface/safetensors), the weights format
// PyTorch users exchange. `save(tensors, { metadata })` -> bytes, `load(bytes)` -> named tensors.
//
// A file is: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON (an object:
// optional "__metadata__" of string -> string, then name -> {"dtype", "shape", "data_offsets"}),
// padded with spaces, then the data buffer, which the tensors' [begin, end) offsets tile exactly.
// Values are little-endian, as WebAssembly memory is: F32 / F64 / I64 / BOOL move as plain byte
// copies; F16 and BF16 are widened to float32 by the core (assembly/safetensors.ts), which also
// rounds float32 tensors to F16 / BF16 when `save` is asked to store them so (`dtypes`).
//
// The writer: tensors ordered by descending rank of the official writer's dtype enum (U64, I64,
// F64, F32, U32, I32, BF16, F16, U16, I16, I8, U8, BOOL), then by name (code points); compact JSON,
// "__metadata__" first (keys by name), entries in data order; header padded with spaces to a
// multiple of 8; data packed without gaps. The reader checks everything the spec requires (and the
// reference implementation's 100 MB header cap, duplicate keys, exact entry keys) before it makes
// a single tensor: a file is loaded whole or refused with a SafetensorError naming the problem.
//
// Browser helpers (`download`, `loadUrl`) use only the host's Blob / URL / document / fetch; the
// Node file helpers live in ./node.ts (a separate entry, `asgrad/node`), so bundles for pages
// never import node:fs.
import { Tensor } from './tensor.js';
import { type DType, ITEM_SIZE } from './dtype.js';
import { kernel, memoryBuffer } from './core/wasm.js';
import { contiguousCopy } from './ops/internal.js';
import * as V from './validate.js';

/** A malformed file, or tensors that cannot be written: the message names the problem. */
export class SafetensorError extends Error {
  override name = 'SafetensorError';
}

/** Tensors to save: a plain object or a Map from name to Tensor (a model's stateDict() is one). */
export type NamedTensors = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

/** Options of `safetensors.save`: the header's `metadata` (string -> string) and the stored `dtypes` by name (float32 tensors may be stored as F16 / BF16). */
export interface SaveOptions {
  /** The file's "__metadata__": string keys and string values (e.g. `{ format: 'pt' }`). */
  metadata?: Readonly<Record<string, string>> | ReadonlyMap<string, string> | null;
  /**
   * float32 tensors to store in half precision, by name: `{ 'fc.weight': 'F16' }`, or one of 'F16'
   * / 'BF16' for every float32 tensor. Rounded to nearest even as PyTorch's `.half()` /
   * `.bfloat16()` (in the core); load reads them back as float32.
   */
  dtypes?: 'F16' | 'BF16' | Readonly<Record<string, 'F16' | 'BF16'>> | ReadonlyMap<string, 'F16' | 'BF16'> | null;
}

/** The header entry of one tensor, as a file describes it. */
export interface TensorInfo {
  /** The tensor's name in the file. */
  name: string;
  /** The file's dtype name (`'F32'`, `'I64'`...). */
  dtype: string;
  /** The tensor's shape. */
  shape: number[];
  /** [begin, end) of the tensor's bytes in the data buffer (PyTorch's `data_offsets`). */
  dataOffsets: [number, number];
}

/** Bytes and the size of one element of every dtype the format defines. */
const DTYPE_SIZE: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
});

/** The dtypes asgrad reads, and the dtype each becomes. */
const READ_AS: Readonly<Record<string, DType>> = Object.freeze({
  F32: 'float32',
  F64: 'float64',
  I64: 'int64',
  BOOL: 'bool',
  F16: 'float32',
  BF16: 'float32',
});

const WRITE_AS = { float32: 'F32', float64: 'F64', int64: 'I64', bool: 'BOOL' } as const satisfies Readonly<Record<DType, string>>;

/** What the writer can store: each dtype's own, and F16 / BF16 for float32 tensors (`dtypes` option). */
type Stored = (typeof WRITE_AS)[DType] | 'F16' | 'BF16';

/** Rank in the official writer's order (higher first): U64, I64, F64, F32, U32, I32, BF16, F16, U16, I16, I8, U8, BOOL. */
const WRITE_RANK = { I64: 11, F64: 10, F32: 9, BF16: 6, F16: 5, BOOL: 0 } as const satisfies Readonly<Record<Stored, number>>;

/** The reference implementation's cap on the header length. */
export const MAX_HEADER_BYTES = 100_000_000;

const fail = (msg: string): never => {
  throw new SafetensorError(`safetensors: ${msg}`);
};

// ---- a strict JSON reader for the header ---------------------------------------------------------
// JSON.parse keeps the last of duplicate keys silently; this one refuses them. It accepts exactly
// RFC 8259 JSON, keeps numbers as their text (sizes and offsets must be exact integers) and keeps
// object keys in file order (a Map: an integer-like name is not moved first).

class JsonNumber {
  constructor(readonly text: string) {}
}
type Json = string | boolean | null | JsonNumber | Json[] | Map<string, Json>;

const MAX_DEPTH = 64;
const ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
});

function parseJson(s: string): Json {
  let i = 0;
  const where = (): string => (i < s.length ? `unexpected ${JSON.stringify(s[i])} at character ${i}` : 'unexpected end of header');
  const bad = (): never => fail(`header is not valid JSON: ${where()}`);
  const ws = (): void => {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      i++;
    }
  };
  const str = (): string => {
    // at the opening quote
    i++;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= s.length) return bad();
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        out += s.slice(from, i);
        i++;
        return out;
      }
      if (c < 0x20) return bad();
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += s.slice(from, i);
      const e = s[i + 1];
      if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
        i += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
        out += String.fromCharCode(Number.parseInt(s.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        i++;
        return bad();
      }
      from = i;
    }
  };
  const value = (depth: number): Json => {
    if (depth > MAX_DEPTH) fail(`header is not valid JSON: nested deeper than ${MAX_DEPTH} levels`);
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      const obj = new Map<string, Json>();
      ws();
      if (s[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') return bad();
        const key = str();
        ws();
        if (s[i] !== ':') return bad();
        i++;
        const v = value(depth + 1);
        if (obj.has(key)) fail(`duplicate key ${JSON.stringify(key)} in the header`);
        obj.set(key, v);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '}') {
          i++;
          return obj;
        }
        return bad();
      }
    }
    if (c === '[') {
      i++;
      const arr: Json[] = [];
      ws();
      if (s[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ']') {
          i++;
          return arr;
        }
        return bad();
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (s.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    m.lastIndex = i;
    const num = m.exec(s);
    if (num === null || num[0] === '' || num[0] === '-') return bad();
    i += num[0].length;
    return new JsonNumber(num[0]);
  };
  const v = value(0);
  ws();
  if (i !== s.length) bad();
  return v;
}

function jsonKind(v: Json): string {
  if (v === null) return 'null';
  if (v instanceof JsonNumber) return 'a number';
  if (v instanceof Map) return 'an object';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a string' : 'a boolean';
}

/** A non-negative integer no larger than 2^53 - 1, or null. */
function natural(v: Json): number | null {
  if (!(v instanceof JsonNumber) || !/^(0|[1-9][0-9]*)$/.test(v.text)) return null;
  const n = Number(v.text);
  return Number.isSafeInteger(n) ? n : null;
}

const show = (v: Json): string => {
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v instanceof Map) return '{...}';
  return JSON.stringify(v);
};

// ---- reading ---------------------------------------------------------------------------------------

interface Header {
  metadata: Record<string, string> | null;
  tensors: TensorInfo[];
  /** Where the data buffer starts in the file. */
  dataStart: number;
}

function asBytes(bytes: unknown, entry: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(`${entry}: bytes must be a Uint8Array, an ArrayBuffer or another ArrayBuffer view, not ${V.typeName(bytes)}`);
}

/** Validates the whole file (header and offsets) without making tensors. */
function readHeader(b: Uint8Array): Header {
  if (b.length < 8) fail(`the file is ${b.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const big = view.getBigUint64(0, true);
  if (big > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${big} is larger than the ${MAX_HEADER_BYTES}-byte limit (the file is ${b.length} bytes)`);
  }
  const n = Number(big);
  if (n > b.length - 8) {
    fail(`header length ${n} points past the end of the file (${b.length} bytes: at most ${b.length - 8} after the length)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  const root = parseJson(text);
  if (!(root instanceof Map)) return fail(`header is not a JSON object (it is ${jsonKind(root)})`);
  if (text[0] !== '{') fail("header must begin with '{' (whitespace is allowed only after the JSON, as padding)");
  const bufLen = b.length - 8 - n;
  let metadata: Record<string, string> | null = null;
  const tensors: TensorInfo[] = [];
  for (const [name, e] of root) {
    if (name === '__metadata__') {
      if (!(e instanceof Map)) return fail(`__metadata__ must be an object of strings, not ${jsonKind(e)}`);
      metadata = Object.create(null) as Record<string, string>;
      for (const [k, v] of e) {
        if (typeof v !== 'string') fail(`__metadata__ values must be strings: ${JSON.stringify(k)} is ${jsonKind(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const label = `tensor ${JSON.stringify(name)}`;
    if (!(e instanceof Map)) return fail(`${label}: entry must be an object, not ${jsonKind(e)}`);
    for (const key of ['dtype', 'shape', 'data_offsets']) if (!e.has(key)) fail(`${label}: entry has no ${key}`);
    for (const key of e.keys()) {
      if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') {
        fail(`${label}: unexpected key ${JSON.stringify(key)} (an entry has exactly dtype, shape and data_offsets)`);
      }
    }
    const dtype = e.get('dtype') as Json;
    if (typeof dtype !== 'string') return fail(`${label}: dtype must be a string, not ${jsonKind(dtype)}`);
    if (!Object.hasOwn(DTYPE_SIZE, dtype)) fail(`${label}: unknown dtype ${JSON.stringify(dtype)}`);
    const shapeJ = e.get('shape') as Json;
    const shape: number[] = [];
    if (!Array.isArray(shapeJ)) return fail(`${label}: shape must be an array, not ${jsonKind(shapeJ)}`);
    for (const d of shapeJ) {
      const v = natural(d);
      if (v === null) fail(`${label}: shape ${show(shapeJ)}: entries must be non-negative integers`);
      shape.push(v as number);
    }
    const offJ = e.get('data_offsets') as Json;
    if (!Array.isArray(offJ) || offJ.length !== 2) return fail(`${label}: data_offsets must be an array [begin, end], not ${show(offJ)}`);
    const begin = natural(offJ[0]);
    const end = natural(offJ[1]);
    if (begin === null || end === null) return fail(`${label}: data_offsets ${show(offJ)} must be non-negative integers`);
    if (begin > end) fail(`${label}: data_offsets [${begin}, ${end}] begin after they end`);
    let bytes = DTYPE_SIZE[dtype];
    for (const d of shape) bytes *= d;
    if (end - begin !== bytes) {
      fail(
        `${label}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} of shape [${shape.join(', ')}] takes ${bytes}`,
      );
    }
    if (end > bufLen) fail(`${label}: data_offsets [${begin}, ${end}] end past the end of the file (the data buffer has ${bufLen} bytes)`);
    tensors.push({ name, dtype, shape, dataOffsets: [begin, end] });
  }
  const spans = [...tensors].sort((x, y) => x.dataOffsets[0] - y.dataOffsets[0] || x.dataOffsets[1] - y.dataOffsets[1]);
  let pos = 0;
  let prev: TensorInfo | null = null;
  for (const t of spans) {
    const [begin, end] = t.dataOffsets;
    if (begin < pos) {
      fail(
        `tensors ${JSON.stringify((prev as TensorInfo).name)} and ${JSON.stringify(t.name)} overlap (data_offsets [${(prev as TensorInfo).dataOffsets.join(', ')}] and [${begin}, ${end}])`,
      );
    }
    if (begin > pos) {
      fail(
        `the offsets leave a gap: bytes [${pos}, ${begin}) of the data buffer, before tensor ${JSON.stringify(t.name)}, belong to no tensor`,
      );
    }
    pos = end;
    prev = t;
  }
  if (pos !== bufLen)
    fail(`the tensors cover ${pos} of the ${bufLen} bytes of the data buffer: the last ${bufLen - pos} belong to no tensor`);
  return { metadata, tensors, dataStart: 8 + n };
}

/** The header of a safetensors file, validated as `load` does: metadata and tensor entries in file order. */
export function header(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): {
  metadata: Record<string, string> | null;
  tensors: TensorInfo[];
} {
  const h = readHeader(asBytes(bytes, 'safetensors.header'));
  return { metadata: h.metadata, tensors: h.tensors };
}

/** The file's "__metadata__" (null when it has none), after validating the whole file as `load` does. */
export function metadata(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): Record<string, string> | null {
  return readHeader(asBytes(bytes, 'safetensors.metadata')).metadata;
}

/** Code-point order of names (as Python's and Rust's string order; UTF-16 order differs above U+FFFF). */
function compareNames(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(j) as number;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}

/** One tensor from its bytes in the file (a plain byte copy, or a core conversion for F16/BF16/BOOL). */
function makeTensor(b: Uint8Array, start: number, info: TensorInfo): Tensor {
  const dtype = READ_AS[info.dtype];
  const out = Tensor._empty(info.shape, dtype);
  const [begin, end] = info.dataOffsets;
  const n = out.numel();
  if (n === 0) return out;
  const src = b.subarray(start + begin, start + end);
  if (info.dtype === 'F16' || info.dtype === 'BF16' || info.dtype === 'BOOL') {
    // The file's bytes into the core's memory, then converted there. Both tensors exist before
    // any pointer is fetched (no storage may be made between the fetches and the call).
    const raw = Tensor._empty([end - begin], 'bool');
    try {
      const po = out._ptr('safetensors.load');
      const pr = raw._ptr('safetensors.load');
      new Uint8Array(memoryBuffer(), pr, end - begin).set(src);
      const k = info.dtype === 'F16' ? 'f16_to_f32' : info.dtype === 'BF16' ? 'bf16_to_f32' : 'bool_from_u8';
      kernel(k)(po, pr, n);
    } finally {
      raw.dispose();
    }
    return out;
  }
  const p = out._ptr('safetensors.load');
  new Uint8Array(memoryBuffer(), p, end - begin).set(src);
  return out;
}

/**
 * The tensors of a safetensors file, by name (an object without prototype, names added in
 * code-point order; JavaScript lists integer-like names such as "10" first): F32 -> float32, F64 -> float64, I64 -> int64, BOOL -> bool, F16 and BF16 -> float32
 * (exact). A malformed file, or one holding a dtype asgrad has no tensor for (I32, U8...), is
 * refused with a SafetensorError before any tensor is made.
 */
export function load(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): Record<string, Tensor> {
  const b = asBytes(bytes, 'safetensors.load');
  const h = readHeader(b);
  for (const t of h.tensors) {
    if (!Object.hasOwn(READ_AS, t.dtype)) {
      fail(
        `tensor ${JSON.stringify(t.name)} has dtype ${t.dtype}, which asgrad has no tensor for (it reads F32, F64, I64, BOOL, and F16 / BF16 as float32)`,
      );
    }
  }
  const order = [...h.tensors].sort((x, y) => compareNames(x.name, y.name));
  const made: Tensor[] = [];
  const out = Object.create(null) as Record<string, Tensor>;
  try {
    for (const t of order) {
      const x = makeTensor(b, h.dataStart, t);
      made.push(x);
      out[t.name] = x;
    }
  } catch (e) {
    for (const x of made) x.dispose();
    throw e;
  }
  return out;
}

// ---- writing ---------------------------------------------------------------------------------------

const SAVE_OPTS = V.optionSpec('safetensors.save', { metadata: 'any', dtypes: 'any' });

/** The stored dtype of each tensor: its own, or F16 / BF16 where `dtypes` asks for it. */
function storedAs(items: readonly [string, Tensor][], dtypes: unknown, entry: string): Map<string, Stored> {
  const out = new Map<string, Stored>();
  for (const [name, t] of items) out.set(name, WRITE_AS[t.dtype]);
  if (dtypes === null || dtypes === undefined) return out;
  const half = (v: unknown): v is 'F16' | 'BF16' => v === 'F16' || v === 'BF16';
  if (half(dtypes)) {
    for (const [name, t] of items) if (t.dtype === 'float32') out.set(name, dtypes);
    return out;
  }
  if (typeof dtypes !== 'object' || Array.isArray(dtypes) || dtypes instanceof Tensor) {
    throw new TypeError(`${entry}: dtypes must be 'F16', 'BF16' or an object of them by tensor name, not ${V.typeName(dtypes)}`);
  }
  const list: [unknown, unknown][] = dtypes instanceof Map ? [...dtypes] : Object.entries(dtypes);
  for (const [name, d] of list) {
    const t = items.find(([k]) => k === name)?.[1];
    if (t === undefined) throw new TypeError(`${entry}: dtypes names ${JSON.stringify(name)}, which is not one of the tensors`);
    if (!half(d)) throw new TypeError(`${entry}: dtypes[${JSON.stringify(name)}] must be 'F16' or 'BF16', not ${JSON.stringify(d)}`);
    if (t.dtype !== 'float32')
      throw new TypeError(`${entry}: only float32 tensors are stored as ${d}; ${JSON.stringify(name)} is ${t.dtype}`);
    out.set(name as string, d);
  }
  return out;
}

function entriesOf(tensors: unknown, entry: string): [string, Tensor][] {
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || tensors instanceof Tensor) {
    throw new TypeError(`${entry}: tensors must be an object or a Map from names to Tensors, not ${V.typeName(tensors)}`);
  }
  const list: [unknown, unknown][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const out: [string, Tensor][] = [];
  for (const [name, t] of list) {
    if (typeof name !== 'string') throw new TypeError(`${entry}: tensor names must be strings, not ${V.typeName(name)}`);
    const foreign = V.foreignTensorError(t, entry);
    if (foreign) throw foreign;
    if (!(t instanceof Tensor)) throw new TypeError(`${entry}: ${JSON.stringify(name)} must be a Tensor, not ${V.typeName(t)}`);
    t._check(entry);
    if (name === '__metadata__')
      throw new SafetensorError(`safetensors: a tensor cannot be named "__metadata__" (the header's metadata key)`);
    out.push([name, t]);
  }
  return out;
}

function metadataOf(m: unknown, entry: string): [string, string][] {
  if (m === null || m === undefined) return [];
  if (typeof m !== 'object' || Array.isArray(m) || m instanceof Tensor) {
    throw new TypeError(`${entry}: metadata must be an object or a Map of strings, not ${V.typeName(m)}`);
  }
  const list: [unknown, unknown][] = m instanceof Map ? [...m] : Object.entries(m);
  for (const [k, v] of list) {
    if (typeof k !== 'string') throw new TypeError(`${entry}: metadata keys must be strings, not ${V.typeName(k)}`);
    if (typeof v !== 'string') throw new TypeError(`${entry}: metadata values must be strings: ${JSON.stringify(k)} is ${V.typeName(v)}`);
  }
  return (list as [string, string][]).sort((x, y) => compareNames(x[0], y[0]));
}

/**
 * The safetensors bytes of `tensors` (values as they are: a non-contiguous tensor is written in
 * its logical order; gradients and autograd state are not saved), with `metadata` as the header's
 * "__metadata__", and float32 tensors named in `dtypes` stored as F16 / BF16.
 */
export function save(tensors: NamedTensors, opts?: SaveOptions): Uint8Array {
  const entry = 'safetensors.save';
  V.options(SAVE_OPTS, opts);
  const items = entriesOf(tensors, entry);
  const meta = metadataOf(opts?.metadata, entry);
  const stored = storedAs(items, opts?.dtypes, entry);
  const as = (name: string): Stored => stored.get(name) as Stored;
  const size = (name: string, t: Tensor): number => t.numel() * (as(name) === 'F16' || as(name) === 'BF16' ? 2 : ITEM_SIZE[t.dtype]);
  items.sort((x, y) => WRITE_RANK[as(y[0])] - WRITE_RANK[as(x[0])] || compareNames(x[0], y[0]));
  const parts: string[] = [];
  if (meta.length > 0) parts.push(`"__metadata__":{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  let offset = 0;
  for (const [name, t] of items) {
    const bytes = size(name, t);
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${as(name)}","shape":[${t._shape.join(',')}],"data_offsets":[${offset},${offset + bytes}]}`,
    );
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = json.length + ((8 - (json.length % 8)) % 8);
  if (n > MAX_HEADER_BYTES) fail(`the header would take ${n} bytes, more than the ${MAX_HEADER_BYTES}-byte limit readers accept`);
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let pos = 8 + n;
  for (const [name, t] of items) {
    const bytes = size(name, t);
    if (bytes === 0) continue;
    const c = t.isContiguous() ? t : contiguousCopy(t);
    const kind = as(name);
    if (kind === 'F16' || kind === 'BF16') {
      // Converted by the core into a scratch block (made before any pointer is fetched), then copied out.
      const half = Tensor._empty([bytes], 'bool');
      const ph = half._ptr(entry);
      const pc = c._ptr(entry);
      kernel(kind === 'F16' ? 'f32_to_f16' : 'f32_to_bf16')(ph, pc, t.numel());
      out.set(new Uint8Array(memoryBuffer(), ph, bytes), pos);
      half.dispose();
    } else {
      // The pointer first: bringing a spilled storage back may grow (and so detach) the buffer.
      const p = c._ptr(entry);
      out.set(new Uint8Array(memoryBuffer(), p, bytes), pos);
    }
    if (c !== t) c.dispose();
    pos += bytes;
  }
  return out;
}

// ---- browser helpers -------------------------------------------------------------------------------

interface AnchorLike {
  href: string;
  download: string;
  click(): void;
  remove?(): void;
}
interface Host {
  document?: { createElement(tag: 'a'): AnchorLike; body?: { appendChild(a: AnchorLike): unknown } };
  Blob?: typeof Blob;
  URL?: { createObjectURL(b: Blob): string; revokeObjectURL(u: string): void };
  fetch?: typeof fetch;
}

/**
 * Saves `tensors` as a download named `name` in a page (a Blob and an anchor's click). Needs a
 * document: in Node use `saveFile` from `asgrad/node`.
 */
export function download(name: string, tensors: NamedTensors, opts?: SaveOptions): void {
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`safetensors.download: name must be a non-empty string, not ${V.typeName(name)}`);
  const host = globalThis as Host;
  const doc = host.document;
  if (!doc || !host.Blob || !host.URL) {
    throw new Error("safetensors.download needs a page (document, Blob, URL); in Node use saveFile from 'asgrad/node'");
  }
  const bytes = save(tensors, opts);
  const url = host.URL.createObjectURL(new host.Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = name;
  doc.body?.appendChild(a);
  a.click();
  a.remove?.();
  // Revoked after the click has been handled (the download has started by then).
  setTimeout(() => host.URL?.revokeObjectURL(url), 0);
}

/** Fetches a safetensors file and loads it (`fetch(url, init)`: pages, workers, Node 18+, Deno, Bun). */
export async function loadUrl(url: string | URL, init?: RequestInit): Promise<Record<string, Tensor>> {
  const f = (globalThis as Host).fetch;
  if (typeof f !== 'function') throw new Error('safetensors.loadUrl needs fetch, which this host does not have');
  const res = await f(url, init);
  if (!res.ok) throw new SafetensorError(`safetensors: fetching ${String(url)} failed: HTTP ${res.status} ${res.statusText}`.trimEnd());
  return load(new Uint8Array(await res.arrayBuffer()));
}
