// torch.safetensors against ../shared/golden-train/safetensors.json and safetensors/ (files written
// from PyTorch 1.13 state dicts, malformed files), asgrad-written files pinned by sha256 after a
// check by golden-train/safetensors_check.py (tests/safetensors-fixtures.ts), the round trip with a
// PyTorch-trained model (examples/safetensors/), and the reader's strictness on hand-made headers.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { loadFile, saveFile } from '../ts/node.js';
import { fromPyTorch, buildModel } from '../examples/safetensors/roundtrip.js';
import { fixtures } from './safetensors-fixtures.js';
import { shared } from './shared.js';
import { loadDir } from './conformance/runner.js';
import { tsFiles } from './source-files.js';

const st = torch.safetensors;
const G = (f: string): string => shared('golden-train', f);

interface GoldenTensor {
  name: string;
  dtype: string;
  shape: number[];
  data: (number | boolean)[];
}
interface GoldenFile {
  file: string;
  bytes: number;
  sha256: string;
  header_length: number;
  metadata: Record<string, string> | null;
  tensors: GoldenTensor[];
}
const DOC = JSON.parse(readFileSync(G('safetensors.json'), 'utf8')) as {
  files: GoldenFile[];
  malformed: { file: string; reason: string }[];
};

const DTYPE_OF: Record<string, string> = { F32: 'float32', F64: 'float64', I64: 'int64', BOOL: 'bool', F16: 'float32', BF16: 'float32' };

/** A tensor's values as the golden file lists them (int64 as numbers, bool as booleans). */
function values(t: Tensor): (number | boolean)[] {
  if (t.dtype === 'int64') return Array.from(t.toArray() as BigInt64Array, (v) => Number(v));
  return t.dataSync();
}
/** A tensor's bytes (row-major). */
function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.toArray().buffer);
}
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A file from a header text and data bytes (the header length written as given, or the header's). */
function file(header: string, data: ArrayLike<number> = [], length?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('golden-train safetensors files (written from PyTorch 1.13)', () => {
  for (const f of DOC.files) {
    it(`${f.file} loads to the expected tensors`, () => {
      const b = readFileSync(G(f.file));
      expect(b.length).toBe(f.bytes);
      expect(sha256(b)).toBe(f.sha256);
      const t = st.load(b);
      expect(Object.keys(t)).toEqual(f.tensors.map((e) => e.name).sort());
      for (const e of f.tensors) {
        const x = t[e.name];
        expect(x.dtype, e.name).toBe(DTYPE_OF[e.dtype]);
        expect([...x.shape], e.name).toEqual(e.shape);
        expect(values(x), e.name).toEqual(e.data);
        expect(x.requiresGrad).toBe(false);
      }
      expect(st.metadata(b)).toEqual(f.metadata === null ? null : { ...f.metadata });
      expect(st.header(b).tensors.map((e) => e.name)).toHaveLength(f.tensors.length);
    });
  }

  it("asgrad's writer reproduces all 13 files byte for byte (F16 / BF16 tensors stored so with `dtypes`)", () => {
    expect(DOC.files.length).toBe(13);
    for (const f of DOC.files) {
      const b = readFileSync(G(f.file));
      const dtypes = Object.fromEntries(f.tensors.filter((e) => e.dtype === 'F16' || e.dtype === 'BF16').map((e) => [e.name, e.dtype]));
      const again = st.save(st.load(b), { metadata: f.metadata, dtypes: dtypes as Record<string, 'F16' | 'BF16'> });
      expect(sha256(again), f.file).toBe(f.sha256);
      expect(new DataView(again.buffer).getBigUint64(0, true)).toBe(BigInt(f.header_length));
    }
  });

  // The reason each malformed file must be refused with (golden `reason` -> our message).
  const REASONS: Record<string, RegExp> = {
    'truncated_length_prefix.safetensors': /the file is 5 bytes, shorter than the 8-byte header length/,
    'truncated_header.safetensors': /header length 112 points past the end of the file \(64 bytes/,
    'header_length_past_eof.safetensors': /header length 1000000 points past the end of the file \(152 bytes/,
    'header_length_huge.safetensors': /header length 9223372036854775808 is larger than the 100000000-byte limit/,
    'non_json_header.safetensors': /header is not valid JSON/,
    'header_not_object.safetensors': /header is not a JSON object \(it is an array\)/,
    'overlapping_offsets.safetensors': /tensors "a" and "b" overlap \(data_offsets \[0, 24\] and \[16, 24\]\)/,
    'offsets_gap.safetensors': /the offsets leave a gap: bytes \[24, 28\) of the data buffer, before tensor "b"/,
    'offsets_not_covering_buffer.safetensors': /the tensors cover 24 of the 32 bytes of the data buffer: the last 8 belong to no tensor/,
    'offsets_past_buffer.safetensors': /tensor "b": data_offsets \[24, 40\] end past the end of the file/,
    'size_mismatch.safetensors': /tensor "a": data_offsets \[0, 24\] hold 24 bytes, but F32 of shape \[2, 2\] takes 16/,
    'offsets_reversed.safetensors': /tensor "a": data_offsets \[24, 0\] begin after they end/,
    'unknown_dtype.safetensors': /tensor "a": unknown dtype "F33"/,
    'duplicate_keys.safetensors': /duplicate key "a" in the header/,
    'negative_shape.safetensors': /tensor "a": shape \[-2, -3\]: entries must be non-negative integers/,
    'missing_data_offsets.safetensors': /tensor "a": entry has no data_offsets/,
    'metadata_not_strings.safetensors': /__metadata__ values must be strings: "step" is a number/,
    'header_invalid_utf8.safetensors': /header is not valid UTF-8/,
  };
  it('the malformed files are the ones this test knows', () => {
    expect(DOC.malformed.map((m) => m.file.split('/').pop()).sort()).toEqual(Object.keys(REASONS).sort());
  });
  for (const m of DOC.malformed) {
    const name = m.file.split('/').pop() as string;
    it(`refuses ${name} (${m.reason})`, () => {
      const before = torch.memory().liveTensors;
      const b = readFileSync(G(m.file));
      expect(() => st.load(b)).toThrow(st.SafetensorError);
      expect(() => st.load(b)).toThrow(REASONS[name]);
      expect(() => st.metadata(b)).toThrow(REASONS[name]);
      expect(torch.memory().liveTensors).toBe(before);
    });
  }
});

describe('the conformance runner (npm run conformance -- --dir ../shared/golden-train)', () => {
  it("runs the safetensors group: every file and every malformed file, with the manifest's counts and bytes", () => {
    const groups = loadDir(shared('golden-train'));
    const g = groups.find((x) => x.kind === 'safetensors');
    expect(g?.counts).toEqual({ count: DOC.files.length, malformed: DOC.malformed.length });
    const failures = (g?.items ?? []).map((i) => i.run()).filter((r) => !r.ok);
    expect(failures).toEqual([]);
    expect(g?.items.length).toBe(31);
    const manifest = groups.find((x) => x.file === 'manifest.json');
    const problems = (manifest?.items ?? []).map((i) => i.run().message ?? '').filter((m) => m.includes('safetensors'));
    expect(problems).toEqual([]);
  });
});

describe('files asgrad writes', () => {
  for (const f of fixtures()) {
    it(`${f.name}: the bytes checked by safetensors_check.py (sha256 pinned), and read back bit for bit`, () => {
      const b = st.save(f.tensors, { metadata: f.metadata, dtypes: f.dtypes });
      expect(sha256(b)).toBe(f.sha256);
      const n = Number(new DataView(b.buffer).getBigUint64(0, true));
      expect(n % 8).toBe(0);
      const back = st.load(b);
      const entries = f.tensors instanceof Map ? [...f.tensors] : Object.entries(f.tensors);
      expect(Object.keys(back).sort()).toEqual(entries.map(([k]) => k).sort());
      for (const [k, t] of entries) {
        expect(back[k].dtype).toBe(t.dtype);
        expect([...back[k].shape]).toEqual([...t.shape]);
        // (tensors stored as F16 / BF16 read back rounded: the bytes written again below cover them)
        if (!f.dtypes?.[k]) expect(bytesOf(back[k])).toEqual(bytesOf(t));
      }
      expect(st.metadata(b)).toEqual(f.metadata ? { ...f.metadata } : null);
      // Written again from what was read: the same bytes.
      expect(sha256(st.save(back, { metadata: f.metadata, dtypes: f.dtypes }))).toBe(f.sha256);
    });
  }

  it('round trip of random tensors of every dtype, views, 0-d and empty: bit-exact', () => {
    torch.manualSeed(7);
    const base = torch.randn([5, 6], { dtype: 'float64' });
    const tensors: Record<string, Tensor> = {
      f32: torch.randn([17]),
      f64: base,
      f64_view: base.t().narrow(0, 1, 3),
      i64: torch.arange(-5, 20, 3),
      bool: torch.randn([9]).gt(0),
      zero_d: torch.tensor(-0),
      empty: torch.zeros([3, 0, 2], { dtype: 'int64' }),
      expanded: torch.tensor([1.5, 2.5]).expand([3, 2]),
    };
    const back = st.load(st.save(tensors));
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k].dtype, k).toBe(t.dtype);
      expect([...back[k].shape], k).toEqual([...t.shape]);
      expect(back[k].isContiguous()).toBe(true);
      expect(bytesOf(back[k]), k).toEqual(bytesOf(t));
    }
  });

  it('the order in the file: dtype rank (I64, F64, F32, BOOL), then name by code point; metadata first, keys sorted', () => {
    const b = st.save(
      new Map<string, Tensor>([
        ['b', torch.ones([1])],
        ['a', torch.ones([1], { dtype: 'bool' })],
        ['c', torch.ones([1], { dtype: 'float64' })],
        ['2', torch.ones([1])],
        ['10', torch.ones([1])],
        ['d', torch.ones([1], { dtype: 'int64' })],
      ]),
      { metadata: { z: '1', a: '2' } },
    );
    const n = Number(new DataView(b.buffer).getBigUint64(0, true));
    const text = new TextDecoder().decode(b.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"d":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
        '"c":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},' +
        '"10":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
        '"2":{"dtype":"F32","shape":[1],"data_offsets":[20,24]},' +
        '"b":{"dtype":"F32","shape":[1],"data_offsets":[24,28]},' +
        '"a":{"dtype":"BOOL","shape":[1],"data_offsets":[28,29]}}',
    );
    expect(text.length - text.trimEnd().length).toBe((8 - (text.trimEnd().length % 8)) % 8);
    expect(b.length).toBe(8 + n + 29);
    expect(st.header(b).tensors.map((t) => t.name)).toEqual(['d', 'c', '10', '2', 'b', 'a']);
  });

  it('an empty dict is a valid file ({} padded)', () => {
    const b = st.save({});
    expect(new TextDecoder().decode(b.subarray(8))).toBe('{}      ');
    expect(Object.keys(st.load(b))).toEqual([]);
  });

  it("save's argument checks", () => {
    expect(() => st.save(null as never)).toThrow(
      'safetensors.save: tensors must be an object or a Map from names to Tensors, not NoneType',
    );
    expect(() => st.save([torch.ones(1)] as never)).toThrow('not list');
    expect(() => st.save(torch.ones(1) as never)).toThrow('tensors must be an object or a Map');
    expect(() => st.save({ a: [1, 2] } as never)).toThrow('safetensors.save: "a" must be a Tensor, not list');
    expect(() => st.save(new Map([[1, torch.ones(1)]]) as never)).toThrow('tensor names must be strings, not int');
    expect(() => st.save({ __metadata__: torch.ones(1) })).toThrow('a tensor cannot be named "__metadata__"');
    expect(() => st.save({ a: torch.ones(1) }, { metadata: { step: 10 } as never })).toThrow(
      'metadata values must be strings: "step" is int',
    );
    expect(() => st.save({ a: torch.ones(1) }, { metadata: 'x' as never })).toThrow(
      'metadata must be an object or a Map of strings, not str',
    );
    expect(() => st.save({ a: torch.ones(1) }, { meta: {} } as never)).toThrow(
      "safetensors.save() got an unexpected keyword argument 'meta'",
    );
    const d = torch.ones(2);
    d.dispose();
    expect(() => st.save({ d })).toThrow('the tensor was disposed');
    expect(() => st.load('abc' as never)).toThrow(
      'safetensors.load: bytes must be a Uint8Array, an ArrayBuffer or another ArrayBuffer view, not str',
    );
  });

  it('load accepts an ArrayBuffer and views at an offset', () => {
    const b = st.save({ x: torch.tensor([1, 2, 3]) });
    const big = new Uint8Array(b.length + 5);
    big.set(b, 5);
    expect(values(st.load(big.subarray(5)).x)).toEqual([1, 2, 3]);
    expect(values(st.load(b.slice().buffer).x)).toEqual([1, 2, 3]);
    expect(values(st.load(new DataView(big.buffer, 5)).x)).toEqual([1, 2, 3]);
  });
});

describe('conversions in the core', () => {
  it('F16: all 65536 values read as the exact float32 (NaN payloads and -0 kept)', () => {
    const n = 65536;
    const data = new Uint8Array(2 * n);
    const dv = new DataView(data.buffer);
    for (let i = 0; i < n; i++) dv.setUint16(2 * i, i, true);
    const x = st.load(file(`{"h":{"dtype":"F16","shape":[${n}],"data_offsets":[0,${2 * n}]}}`, data)).h;
    expect(x.dtype).toBe('float32');
    const got = new Uint32Array((x.toArray() as Float32Array).buffer);
    const want = new Uint32Array(n);
    const f = new Float32Array(want.buffer);
    for (let h = 0; h < n; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      if (e === 0x1f) want[h] = ((h & 0x8000) << 16) | 0x7f800000 | (m << 13);
      else f[h] = sign * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
    }
    expect(got).toEqual(want);
  });

  it('BF16: all 65536 values read as their float32 (the top 16 bits), at every SIMD tail length', () => {
    for (const n of [65536, 0, 1, 7, 8, 9, 15, 17]) {
      const data = new Uint8Array(2 * n);
      const dv = new DataView(data.buffer);
      for (let i = 0; i < n; i++) dv.setUint16(2 * i, (i * 40503) & 0xffff, true);
      const x = st.load(file(`{"b":{"dtype":"BF16","shape":[${n}],"data_offsets":[0,${2 * n}]}}`, data)).b;
      const got = new Uint32Array((x.toArray() as Float32Array).buffer);
      expect(Array.from(got, (v) => v >>> 16)).toEqual(Array.from({ length: n }, (_, i) => (i * 40503) & 0xffff));
      expect(got.every((v) => (v & 0xffff) === 0)).toBe(true);
    }
  });

  it('BOOL: any non-zero byte reads as true (a bool tensor holds 0 or 1)', () => {
    const x = st.load(file('{"m":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}}', [0, 1, 2, 255])).m;
    expect(values(x)).toEqual([false, true, true, true]);
    expect(Array.from(bytesOf(x))).toEqual([0, 1, 1, 1]);
  });

  it('F32 data at an unaligned offset in the file', () => {
    const data = new Uint8Array(5);
    data[0] = 7;
    new DataView(data.buffer).setFloat32(1, -2.75, true);
    const t = st.load(
      file('{"u":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]},"f":{"dtype":"F32","shape":[],"data_offsets":[1,5]}}', data),
    );
    expect(values(t.f)).toEqual([-2.75]);
    expect(values(t.u)).toEqual([true]);
  });
});

describe('F16 / BF16 on write: rounded as PyTorch 1.13 rounds x.half() and x.bfloat16()', () => {
  // tests/pytorch/half_casts.py: float32 bit patterns (every rounding case class) and PyTorch's results.
  const V16 = JSON.parse(readFileSync(new URL('./pytorch/half_casts.json', import.meta.url), 'utf8')) as Record<string, string | number>;
  const u32 = new Uint32Array(new Uint8Array(Buffer.from(V16.f32 as string, 'base64')).buffer);
  const want = (k: 'f16' | 'bf16'): number[] => Array.from(new Uint16Array(new Uint8Array(Buffer.from(V16[k] as string, 'base64')).buffer));

  it(`${V16.count} float32 values (ties both ways, overflow and subnormal edges, NaN, random bits)`, () => {
    expect(u32.length).toBe(V16.count);
    const n = u32.length;
    // The float32 tensor from its exact bits (an F32 file: a byte copy, signalling NaNs included).
    const x = st.load(file(`{"x":{"dtype":"F32","shape":[${n}],"data_offsets":[0,${4 * n}]}}`, new Uint8Array(u32.buffer))).x;
    expect(new Uint32Array((x.toArray() as Float32Array).buffer)).toEqual(u32);
    for (const [d, k] of [
      ['F16', 'f16'],
      ['BF16', 'bf16'],
    ] as const) {
      const b = st.save({ x }, { dtypes: d });
      const h = st.header(b);
      expect(h.tensors).toEqual([{ name: 'x', dtype: d, shape: [n], dataOffsets: [0, 2 * n] }]);
      const start = b.length - 2 * n;
      const got = Array.from(new Uint16Array(b.slice(start).buffer));
      const exp = want(k);
      const bad = got.flatMap((g, i) =>
        g === exp[i] ? [] : [`0x${u32[i].toString(16)} -> 0x${g.toString(16)}, PyTorch 0x${exp[i].toString(16)}`],
      );
      expect(bad.slice(0, 10), d).toEqual([]);
    }
  });

  it('read back, F16 / BF16 give the float32 values they stand for; other dtypes and layouts are untouched', () => {
    const sd = { w: torch.tensor([[0.1, -2.5, 65504, 1e-7]]).t(), b: torch.tensor([1 / 3]), d: torch.tensor([0.1], { dtype: 'float64' }) };
    const b = st.save(sd, { dtypes: { w: 'F16', b: 'BF16' } });
    expect(st.header(b).tensors.map((t) => [t.name, t.dtype])).toEqual([
      ['d', 'F64'],
      ['b', 'BF16'],
      ['w', 'F16'],
    ]);
    const back = st.load(b);
    expect(values(back.w)).toEqual([0.0999755859375, -2.5, 65504, 1.1920928955078125e-7]);
    expect([...back.w.shape]).toEqual([4, 1]);
    expect(values(back.b)).toEqual([0.333984375]);
    expect(values(back.d)).toEqual([0.1]);
    // 'F16' alone: every float32 tensor, nothing else.
    expect(st.header(st.save(sd, { dtypes: 'F16' })).tensors.map((t) => t.dtype)).toEqual(['F64', 'F16', 'F16']);
  });

  it('dtypes argument checks', () => {
    const sd = { w: torch.ones([2]), i: torch.ones([2], { dtype: 'int64' }) };
    expect(() => st.save(sd, { dtypes: { w: 'F8' } as never })).toThrow(`safetensors.save: dtypes["w"] must be 'F16' or 'BF16', not "F8"`);
    expect(() => st.save(sd, { dtypes: { x: 'F16' } })).toThrow('safetensors.save: dtypes names "x", which is not one of the tensors');
    expect(() => st.save(sd, { dtypes: { i: 'F16' } })).toThrow('safetensors.save: only float32 tensors are stored as F16; "i" is int64');
    expect(() => st.save(sd, { dtypes: 'F32' as never })).toThrow(
      "dtypes must be 'F16', 'BF16' or an object of them by tensor name, not str",
    );
  });
});

describe('strict reading of hand-made headers', () => {
  const ok = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
  const four = [0, 0, 128, 63];
  const refuse = (b: Uint8Array, msg: RegExp | string): void => {
    expect(() => st.load(b)).toThrow(st.SafetensorError);
    expect(() => st.load(b)).toThrow(msg);
  };

  it('a dtype asgrad has no tensor for is refused, with its name, and nothing is made', () => {
    const before = torch.memory().liveTensors;
    const b = file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"i":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}}', [
      ...four,
      1,
      0,
      0,
      0,
    ]);
    refuse(b, 'tensor "i" has dtype I32, which asgrad has no tensor for (it reads F32, F64, I64, BOOL, and F16 / BF16 as float32)');
    expect(torch.memory().liveTensors).toBe(before);
    // The header itself is valid: its metadata and entries can still be read.
    expect(st.header(b).tensors.map((t) => t.dtype)).toEqual(['F32', 'I32']);
    for (const d of ['U8', 'I8', 'I16', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2']) {
      const size = { U8: 1, I8: 1, I16: 2, U16: 2, U32: 4, U64: 8, F8_E4M3: 1, F8_E5M2: 1 }[d] as number;
      refuse(file(`{"x":{"dtype":"${d}","shape":[1],"data_offsets":[0,${size}]}}`, new Uint8Array(size)), `has dtype ${d}, which asgrad`);
    }
  });

  it('duplicate keys anywhere, which JSON.parse would hide', () => {
    refuse(file('{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', four), 'duplicate key "dtype" in the header');
    refuse(file(`{"__metadata__":{"k":"1","k":"2"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four), 'duplicate key "k"');
    refuse(
      file(`{"__metadata__":{},"__metadata__":{},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four),
      'duplicate key "__metadata__"',
    );
    // Equal after unescaping: still the same key.
    refuse(
      file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\\u0061":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}', four),
      'duplicate key "a"',
    );
  });

  it('JSON that JSON.parse would take differently or a lax parser would accept', () => {
    refuse(file(' {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', four), "header must begin with '{'");
    refuse(file(`${ok}x`, four), 'header is not valid JSON: unexpected "x" at character 54');
    refuse(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],}}', four), 'header is not valid JSON');
    refuse(file("{'a':1}", []), 'header is not valid JSON');
    refuse(file('{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', four), 'shape [1.0]: entries must be non-negative integers');
    refuse(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4e0]}}', four), 'data_offsets [0, 4e0] must be non-negative integers');
    refuse(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,01]}}', four), 'header is not valid JSON');
    refuse(file('{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}', four), 'entries must be non-negative integers');
    refuse(file('{"a":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,4]}}', four), 'entries must be non-negative integers');
    refuse(
      file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}', four),
      'data_offsets must be an array [begin, end], not [0, 4, 8]',
    );
    refuse(file('{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}', four), 'unknown dtype "f32"');
    refuse(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}', four), 'tensor "a": unexpected key "extra"');
    refuse(file('{"a":[1]}', []), 'tensor "a": entry must be an object, not an array');
    refuse(file('{"__metadata__":["x"]}', []), '__metadata__ must be an object of strings, not an array');
    refuse(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}\u0000', four), 'not valid JSON');
    refuse(file('{"a":"\u0001"}', []), 'not valid JSON');
    refuse(file('{"a":"\\x"}', []), 'not valid JSON');
    refuse(file(`${'['.repeat(100)}${']'.repeat(100)}`, []), 'nested deeper than 64 levels');
    refuse(file('{"a":NaN}', []), 'not valid JSON');
  });

  it('valid variations: names that look like integers keep their place, escapes, whitespace inside, trailing padding', () => {
    const b = file(
      '{ "__metadata__" : { "x" : "a\\n\\u00e9\\"" } ,\n"10":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},\t"2":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"é\\/":{"dtype":"BOOL","shape":[0],"data_offsets":[8,8]}}  \n ',
      [...four, 0, 0, 0, 64],
    );
    expect(st.header(b)).toEqual({
      metadata: { x: 'a\né"' },
      tensors: [
        { name: '10', dtype: 'F32', shape: [1], dataOffsets: [0, 4] },
        { name: '2', dtype: 'F32', shape: [], dataOffsets: [4, 8] },
        { name: 'é/', dtype: 'BOOL', shape: [0], dataOffsets: [8, 8] },
      ],
    });
    const t = st.load(b);
    expect(values(t['10'])).toEqual([1]);
    expect(values(t['2'])).toEqual([2]);
    expect([...t['é/'].shape]).toEqual([0]);
  });

  it('empty tensors may sit anywhere at a boundary, but not inside another tensor', () => {
    expect(
      Object.keys(
        st.load(file('{"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', four)),
      ),
    ).toEqual(['a', 'e']);
    refuse(
      file('{"e":{"dtype":"F32","shape":[0],"data_offsets":[2,2]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', four),
      'tensors "a" and "e" overlap',
    );
    refuse(file('{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}', four), 'the tensors cover 0 of the 4 bytes');
  });

  it('the header length cap and the length prefix', () => {
    refuse(file(ok, four, 100_000_001n), 'header length 100000001 is larger than the 100000000-byte limit');
    refuse(file(ok, four, 2n ** 64n - 1n), 'header length 18446744073709551615 is larger');
    refuse(new Uint8Array(0), 'the file is 0 bytes');
    refuse(file('', []), 'header is not valid JSON: unexpected end of header');
  });
});

describe('modules, files, browser helpers', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("a PyTorch-trained model's file gives PyTorch's outputs (examples/safetensors)", () => {
    const { model, output, expected } = fromPyTorch();
    const got = output.tolist() as number[][];
    expect(got.length).toBe(expected.length);
    for (let i = 0; i < got.length; i++) {
      for (let j = 0; j < got[i].length; j++)
        expect(Math.abs(got[i][j] - expected[i][j])).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(expected[i][j]));
    }
    // The state dict goes straight back into save(): the bytes PyTorch's side wrote.
    const b = st.save(model.stateDict(), { metadata: { format: 'pt' } });
    expect(sha256(b)).toBe(sha256(readFileSync(new URL('../examples/safetensors/pytorch_model.safetensors', import.meta.url))));
  });

  it('model.stateDict() -> save -> load -> loadStateDict gives the same model, bit for bit', () => {
    torch.manualSeed(3);
    const a = buildModel();
    const b = buildModel();
    a.train();
    torch.noGrad(() => a(torch.randn([8, 6])));
    b.loadStateDict(st.load(st.save(a.stateDict())));
    a.eval();
    b.eval();
    const x = torch.randn([5, 6]);
    expect(bytesOf(b(x))).toEqual(bytesOf(a(x)));
    expect(values(b.stateDict()['1.num_batches_tracked'])).toEqual([1]);
  });

  it('only ts/node.ts (the `asgrad/node` entry) imports node: modules: bundles for pages never see node:fs', () => {
    const importers = tsFiles(fileURLToPath(new URL('../ts', import.meta.url)))
      .filter((f) => /from 'node:|import\('node:|require\('node:/.test(readFileSync(f, 'utf8')))
      .map((f) => f.split('/ts/').pop());
    expect(importers).toEqual(['node.ts']);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.exports['./node'].import.default).toBe('./build/ts/node.js');
    expect(pkg.exports['./node'].require.default).toBe('./build/asgrad.node.cjs');
  });

  it('saveFile / loadFile (asgrad/node)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-st-'));
    try {
      const p = join(dir, 'm.safetensors');
      const t = {
        w: torch.tensor([
          [1, 2],
          [3, 4],
        ]),
        n: torch.tensor(5n, { dtype: 'int64' }),
      };
      saveFile(p, t, { metadata: { format: 'pt' } });
      expect(readFileSync(p)).toEqual(Buffer.from(st.save(t, { metadata: { format: 'pt' } })));
      const back = loadFile(p);
      expect(values(back.w)).toEqual([1, 2, 3, 4]);
      expect(values(back.n)).toEqual([5]);
      expect(() => loadFile(join(dir, 'missing.safetensors'))).toThrow('ENOENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loadUrl fetches and loads; an HTTP error is refused', async () => {
    const bytes = st.save({ x: torch.tensor([1.5, -2]) });
    const t = await st.loadUrl(`data:application/octet-stream;base64,${Buffer.from(bytes).toString('base64')}`);
    expect(values(t.x)).toEqual([1.5, -2]);
    vi.stubGlobal('fetch', async () => new Response('nope', { status: 404, statusText: 'Not Found' }));
    await expect(st.loadUrl('https://example.invalid/m.safetensors')).rejects.toThrow(
      'safetensors: fetching https://example.invalid/m.safetensors failed: HTTP 404 Not Found',
    );
  });

  it('download makes a Blob of the bytes and clicks an anchor named after the file', async () => {
    const clicked: { href: string; download: string }[] = [];
    const blobs: Blob[] = [];
    vi.stubGlobal('document', {
      createElement: () => {
        const a = { href: '', download: '', click: () => clicked.push({ href: a.href, download: a.download }), remove: () => {} };
        return a;
      },
      body: { appendChild: () => {} },
    });
    vi.stubGlobal('URL', {
      createObjectURL: (b: Blob) => {
        blobs.push(b);
        return 'blob:1';
      },
      revokeObjectURL: () => {},
    });
    const t = { w: torch.ones([2]) };
    st.download('model.safetensors', t);
    expect(clicked).toEqual([{ href: 'blob:1', download: 'model.safetensors' }]);
    expect(new Uint8Array(await blobs[0].arrayBuffer())).toEqual(st.save(t));
    vi.unstubAllGlobals();
    expect(() => st.download('m.safetensors', t)).toThrow(
      "safetensors.download needs a page (document, Blob, URL); in Node use saveFile from 'asgrad/node'",
    );
    expect(() => st.download('' as string, t)).toThrow('name must be a non-empty string');
  });
});
