// Post-processes build/asgrad.threads.wasm (the `threads` target of asconfig.json, built with shared
// imported memory) so that instantiating it writes nothing into memory: every instantiation applies
// a module's active data segments to its memory, and with one memory shared by the owner instance
// and the helper instances of the thread pool, a helper starting up would rewrite the constant
// tables and zero the allocator's state under the owner's feet. The data section is moved into a
// custom section `asgrad.data` (u32 count, then per segment u32 offset, u32 length, bytes, little
// endian) that the owner copies into the fresh memory once, before instantiating (ts/core/threads.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'asgrad.threads.wasm');
const bytes = readFileSync(file);

function uleb(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [result, pos];
  }
}
function sleb32(buf, pos) {
  let result = 0;
  let shift = 0;
  let b;
  do {
    b = buf[pos++];
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 32 && b & 0x40) result |= -1 << shift;
  return [result >>> 0, pos];
}
function ulebBytes(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a WebAssembly module`);
if (WebAssembly.Module.customSections(new WebAssembly.Module(bytes), 'asgrad.data').length > 0) {
  // already processed (the .wasm was not rebuilt since)
  process.exit(0);
}
const kept = [bytes.subarray(0, 8)];
const segments = [];
let pos = 8;
while (pos < bytes.length) {
  const start = pos;
  const id = bytes[pos++];
  let size;
  [size, pos] = uleb(bytes, pos);
  const end = pos + size;
  if (id === 11) {
    let p = pos;
    let count;
    [count, p] = uleb(bytes, p);
    for (let i = 0; i < count; i++) {
      let flags;
      [flags, p] = uleb(bytes, p);
      if (flags !== 0) throw new Error(`data segment ${i}: flags ${flags} (only active segments of memory 0 are expected)`);
      if (bytes[p++] !== 0x41) throw new Error(`data segment ${i}: the offset is not an i32.const`);
      let offset;
      [offset, p] = sleb32(bytes, p);
      if (bytes[p++] !== 0x0b) throw new Error(`data segment ${i}: the offset expression is not a lone constant`);
      let len;
      [len, p] = uleb(bytes, p);
      segments.push({ offset, data: bytes.subarray(p, p + len) });
      p += len;
    }
  } else if (id !== 12) {
    // 12 is the data count section, which must go with the data section.
    kept.push(bytes.subarray(start, end));
  }
  pos = end;
}

const name = Buffer.from('asgrad.data');
const head = Buffer.alloc(4);
head.writeUInt32LE(segments.length);
const body = [head];
for (const s of segments) {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(s.offset, 0);
  h.writeUInt32LE(s.data.length, 4);
  body.push(h, s.data);
}
const payload = Buffer.concat([ulebBytes(name.length), name, ...body]);
kept.push(Buffer.from([0]), ulebBytes(payload.length), payload);
const out = Buffer.concat(kept);
new WebAssembly.Module(out);
writeFileSync(file, out);
if (!process.argv.includes('--quiet')) {
  const total = segments.reduce((n, s) => n + s.data.length, 0);
  console.log(`build/asgrad.threads.wasm: ${segments.length} data segments (${total} bytes) moved to the custom section asgrad.data`);
}
