// The safetensors group of a golden folder (golden-train/safetensors.json + safetensors/): each
// listed file must have its stated size and sha256, load to exactly the listed tensors (dtype,
// shape, every value; F16/BF16 as float32) and metadata, and be written again byte for byte from
// what was loaded (F16/BF16 tensors stored so with save's `dtypes`); each malformed file must be
// refused with a SafetensorError and make no tensor. Entries are checked against the format first
// (exact key sets, data lengths equal to the shape's element count).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { torch, type Tensor } from '../../build/ts/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
interface Result {
  name: string;
  ok: boolean;
  message?: string;
}
export interface SafetensorsGroup {
  items: { name: string; run: () => Result }[];
  counts: { count: number; malformed: number };
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const DTYPE: Readonly<Record<string, string>> = {
  F32: 'float32',
  F64: 'float64',
  I64: 'int64',
  BOOL: 'bool',
  F16: 'float32',
  BF16: 'float32',
};
const FILE_KEYS = ['bytes', 'file', 'header_length', 'metadata', 'sha256', 'tensors'];
const TENSOR_KEYS = ['data', 'dtype', 'name', 'shape'];
const MALFORMED_KEYS = ['bytes', 'file', 'reason'];

const sameKeys = (o: Obj, keys: string[]): boolean => JSON.stringify(Object.keys(o).sort()) === JSON.stringify(keys);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function values(t: Tensor): (number | boolean)[] {
  if (t.dtype === 'int64') return Array.from(t.toArray() as BigInt64Array, (v) => Number(v));
  return t.dataSync();
}

function checkFile(dir: string, e: Obj): string | null {
  if (!sameKeys(e, FILE_KEYS)) return `entry keys ${Object.keys(e).sort()} (expected ${FILE_KEYS})`;
  if (!Array.isArray(e.tensors) || e.tensors.length === 0) return 'tensors must be a non-empty list';
  const bytes = readFileSync(join(dir, String(e.file)));
  if (bytes.length !== e.bytes) return `${bytes.length} bytes, the entry says ${e.bytes}`;
  if (sha256(bytes) !== e.sha256) return 'sha256 differs from the entry';
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n !== BigInt(e.header_length as number)) return `header length ${n}, the entry says ${e.header_length}`;
  const got = torch.safetensors.load(bytes);
  const meta = torch.safetensors.metadata(bytes);
  if (JSON.stringify(meta === null ? null : { ...meta }) !== JSON.stringify(e.metadata)) return `metadata ${JSON.stringify(meta)}`;
  const names = e.tensors.map((t) => (isObj(t) ? String(t.name) : ''));
  if (JSON.stringify(Object.keys(got).sort()) !== JSON.stringify([...names].sort())) return `tensor names ${Object.keys(got)}`;
  const dtypes: Record<string, 'F16' | 'BF16'> = {};
  for (const t of e.tensors) {
    if (!isObj(t) || !sameKeys(t, TENSOR_KEYS)) return `tensor entry keys (expected ${TENSOR_KEYS})`;
    const shape = t.shape as number[];
    const data = t.data as Json[];
    if (!Array.isArray(shape) || !Array.isArray(data) || data.length !== shape.reduce((a, b) => a * b, 1)) {
      return `${t.name}: data length ${Array.isArray(data) ? data.length : '?'} is not the shape's element count`;
    }
    const dt = String(t.dtype);
    if (!(dt in DTYPE)) return `${t.name}: dtype ${dt} is not one asgrad reads`;
    if (dt === 'F16' || dt === 'BF16') dtypes[String(t.name)] = dt;
    const x = got[String(t.name)];
    if (x.dtype !== DTYPE[dt]) return `${t.name}: dtype ${x.dtype}, expected ${DTYPE[dt]} (${dt})`;
    if (JSON.stringify([...x.shape]) !== JSON.stringify(shape)) return `${t.name}: shape [${[...x.shape]}], expected [${shape}]`;
    const v = values(x);
    for (let i = 0; i < v.length; i++) if (!Object.is(v[i], data[i])) return `${t.name}[${i}]: ${v[i]}, expected ${data[i]}`;
  }
  const again = torch.safetensors.save(got, { metadata: meta, dtypes });
  if (sha256(again) !== e.sha256) return "asgrad's writer does not reproduce the file byte for byte";
  for (const x of Object.values(got)) x.dispose();
  return null;
}

function checkMalformed(dir: string, e: Obj): string | null {
  if (!sameKeys(e, MALFORMED_KEYS)) return `entry keys ${Object.keys(e).sort()} (expected ${MALFORMED_KEYS})`;
  const bytes = readFileSync(join(dir, String(e.file)));
  if (bytes.length !== e.bytes) return `${bytes.length} bytes, the entry says ${e.bytes}`;
  const before = torch.memory().liveTensors;
  try {
    torch.safetensors.load(bytes);
  } catch (err) {
    if (!(err instanceof torch.safetensors.SafetensorError)) return `refused with ${(err as Error).name}: ${(err as Error).message}`;
    if (torch.memory().liveTensors !== before) return 'refused, but tensors were made';
    return null;
  }
  return `loaded, but must be refused (${e.reason})`;
}

/** The items of a safetensors group (`file` is its JSON's name inside `dir`). */
export function safetensorsGroup(dir: string, file: string, d: Obj): SafetensorsGroup {
  const run = (name: string, f: () => string | null) => ({
    name,
    run: (): Result => {
      try {
        const why = f();
        return why === null ? { name, ok: true } : { name, ok: false, message: why };
      } catch (err) {
        return { name, ok: false, message: `${(err as Error).name}: ${(err as Error).message}` };
      }
    },
  });
  const files = (d.files as Json[]).map((e, i) =>
    run(`${file} ${isObj(e) ? String(e.file) : `files[${i}]`}`, () => (isObj(e) ? checkFile(dir, e) : 'not an object')),
  );
  const malformed = (d.malformed as Json[]).map((e, i) =>
    run(`${file} ${isObj(e) ? String(e.file) : `malformed[${i}]`} (refused)`, () => (isObj(e) ? checkMalformed(dir, e) : 'not an object')),
  );
  return { items: [...files, ...malformed], counts: { count: files.length, malformed: malformed.length } };
}
