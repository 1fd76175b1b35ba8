// Memory management for the asgrad core.
//
// Allocator: size classes with free lists over a bump region of linear memory.
//  * Every block is [16-byte header | payload]; the payload is 16-byte aligned. The header stores
//    the class index (u32 at +0) and a tag (u32 at +4) used to detect double frees.
//  * Classes: 16, 32, 48, 64 bytes, then 4 classes per power of two
//    (80, 96, 112, 128, 160, 192, 224, 256, 320, ...), so at most 25% of a block is slack.
//  * free() pushes the block on its class's free list (LIFO); alloc() pops from it first, so
//    freeing then allocating the same size returns the same block. Blocks are never split/merged,
//    but a freed block that ends at the top of the bump region goes back to the region, so a large
//    block freed last can be reused for a larger request (two big tensors one after the other).
//  * Every block ends at or below 4 GiB: growth past the limit (4 GiB unless set lower) is refused
//    before memory.grow is called, and alloc then returns 0. Pointers and byte counts are usize;
//    the JS side reads them unsigned (they pass 2 GiB).
//  * When the bump region is exhausted the memory is grown with memory.grow; alloc returns 0
//    (never traps) when the memory cannot grow.
//  * In the release and debug builds (no collecting runtime) the region starts at __heap_base. With any
//    other runtime (as-pect test builds use a GC'd runtime with its own TLSF heap) the region is
//    made only of pages this allocator grew itself, so both heaps coexist.
//
// META: a static 4096-byte, 16-aligned scratch area (a data segment, not part of the heap) where
// the JS side writes i32 metadata (shapes / strides) before calling strided kernels.
//
// Scratch arena: kernel temporaries (matmul packing) come from one block obtained with alloc(),
// reused across calls and replaced by a larger one when too small.

// @ts-ignore: decorator
@inline const HEADER: usize = 16;
// @ts-ignore: decorator
@inline const NUM_CLASSES: i32 = 128;
// @ts-ignore: decorator
@inline const LIVE_TAG: u32 = 0xA5A5_1001;
// @ts-ignore: decorator
@inline const FREE_TAG: u32 = 0x5A5A_2002;

const META: usize = memory.data(4096, 16);
const FREE_HEADS: usize = memory.data(NUM_CLASSES * 4, 16);

let regionTop: usize = 0;
let regionEnd: usize = 0;
let initialized: bool = false;
let liveBytes: usize = 0;
let peakBytes: usize = 0;

/** Upper bound on linear memory in bytes (4 GiB unless the host sets a smaller limit). */
let limitBytes: u64 = 0x1_0000_0000;

let scratchPtr: usize = 0;
let scratchSize: usize = 0;

/** Payload size in bytes of class `c`. */
// @ts-ignore: decorator
@inline function classSize(c: i32): u64 {
  if (c < 4) return <u64>(16 * (c + 1));
  let g = (c - 4) >> 2;
  let sub = (c - 4) & 3;
  return (<u64>64 << g) + <u64>(sub + 1) * (<u64>16 << g);
}

/** Smallest class whose payload holds `bytes`. */
// @ts-ignore: decorator
@inline function classOf(bytes: u64): i32 {
  if (bytes <= 64) {
    let c = <i32>((bytes + 15) >> 4) - 1;
    return c < 0 ? 0 : c;
  }
  let g = <i32>(63 - clz<u64>(bytes - 1)) - 6; // bytes in (64<<g, 128<<g]
  let step: u64 = <u64>16 << g;
  let sub = <i32>((bytes - (<u64>64 << g) + step - 1) / step) - 1;
  return 4 + (g << 2) + sub;
}

function initHeap(): void {
  initialized = true;
  if (ASC_RUNTIME == 0) {
    regionTop = (__heap_base + 15) & ~<usize>15;
    regionEnd = <usize>memory.size() << 16;
  } else {
    // Make sure the runtime's own heap has claimed its initial memory before we grow ours.
    heap.free(heap.alloc(16));
    regionTop = 0;
    regionEnd = 0;
  }
}

/** Ensures the bump region has `need` bytes available. Returns false if memory cannot grow. */
function growRegion(need: u64): bool {
  let pagesBefore = memory.size();
  let memEnd: u64 = <u64>pagesBefore << 16;
  let contiguous = regionEnd != 0 && <u64>regionEnd == memEnd;
  let have: u64 = contiguous ? <u64>(regionEnd - regionTop) : 0;
  let missing: u64 = need - have;
  let pagesNeeded64: u64 = (missing + 0xffff) >> 16;
  if (memEnd + (pagesNeeded64 << 16) > limitBytes) return false;
  let pagesNeeded = <i32>pagesNeeded64;
  // grow generously (about 1/8 of the current memory, at least 1 MiB) to limit grow calls
  let extra = max<i32>(pagesBefore >> 3, 16);
  let pagesWanted = pagesNeeded + extra;
  if (<u64>memEnd + (<u64>pagesWanted << 16) > limitBytes || memory.grow(pagesWanted) < 0) {
    if (memory.grow(pagesNeeded) < 0) return false;
  }
  let newEnd = <usize>memory.size() << 16;
  if (!contiguous) regionTop = <usize>memEnd;
  regionEnd = newEnd == 0 ? <usize>0xFFFF_FFF0 : newEnd; // 4 GiB: avoid wrap to 0
  return true;
}

/** Allocates a 16-byte aligned block of at least `bytes` bytes; returns 0 when out of memory. */
export function alloc(bytes: u32): usize {
  if (!initialized) initHeap();
  let c = classOf(<u64>bytes);
  let size = classSize(c);
  let head = FREE_HEADS + (<usize>c << 2);
  let ptr = load<usize>(head);
  if (ptr != 0) {
    store<usize>(head, load<usize>(ptr)); // next pointer lives in the payload
    store<u32>(ptr - HEADER, LIVE_TAG, 4);
  } else {
    let total: u64 = size + <u64>HEADER;
    if (<u64>(regionEnd - regionTop) < total || regionEnd == 0) {
      if (!growRegion(total)) return 0;
    }
    let block = regionTop;
    regionTop += <usize>total;
    store<u32>(block, <u32>c);
    store<u32>(block, LIVE_TAG, 4);
    ptr = block + HEADER;
  }
  liveBytes += <usize>size;
  if (liveBytes > peakBytes) peakBytes = liveBytes;
  return ptr;
}

/** Returns a block to its class's free list. free(0) and double frees are no-ops. */
export function free(ptr: usize): void {
  if (ptr == 0) return;
  if (load<u32>(ptr - HEADER, 4) != LIVE_TAG) return;
  let c = <i32>load<u32>(ptr - HEADER);
  store<u32>(ptr - HEADER, FREE_TAG, 4);
  let size = <usize>classSize(c);
  liveBytes -= size;
  if (ptr + size == regionTop) {
    // The top block: give it back to the bump region.
    regionTop = ptr - HEADER;
    return;
  }
  let head = FREE_HEADS + (<usize>c << 2);
  store<usize>(ptr, load<usize>(head));
  store<usize>(head, ptr);
}

/** Like alloc, for a block the runtime keeps for itself (the thread pool's control slots and its
 *  helpers' scratch): not counted in allocated_bytes or the peak, which describe what tensors and
 *  kernels use, so that starting helpers changes no memory figure. Free it with free_uncounted. */
export function alloc_uncounted(bytes: u32): usize {
  let peak = peakBytes;
  let p = alloc(bytes);
  if (p != 0) {
    liveBytes -= <usize>classSize(<i32>load<u32>(p - HEADER));
    peakBytes = peak;
  }
  return p;
}

/** Frees a block of alloc_uncounted. */
export function free_uncounted(ptr: usize): void {
  if (ptr == 0 || load<u32>(ptr - HEADER, 4) != LIVE_TAG) return;
  liveBytes += <usize>classSize(<i32>load<u32>(ptr - HEADER));
  free(ptr);
}

/** Size of linear memory in bytes (an f64: 4 GiB does not fit a u32). */
export function heap_bytes(): f64 {
  return <f64>memory.size() * 65536.0;
}

/** Caps linear memory growth at `bytes` (rounded down to pages; at most 4 GiB). Growth beyond it
 *  makes alloc return 0, as a host refusing memory.grow would. */
export function set_limit_bytes(bytes: f64): void {
  limitBytes = bytes >= 4294967296.0 ? <u64>0x1_0000_0000 : (<u64>bytes) & ~<u64>0xffff;
}

export function allocated_bytes(): usize {
  return liveBytes;
}

export function peak_allocated_bytes(): usize {
  return peakBytes;
}

export function reset_peak(): void {
  peakBytes = liveBytes;
}

export function meta_ptr(): usize {
  return META;
}

/** Internal: a scratch block of at least `bytes` bytes (contents undefined), or 0 on OOM. */
export function scratch(bytes: usize): usize {
  if (bytes <= scratchSize && scratchPtr != 0) return scratchPtr;
  if (scratchPtr != 0) {
    free(scratchPtr);
    scratchPtr = 0;
    scratchSize = 0;
  }
  if (<u64>bytes > 0xFFFF_0000) return 0;
  let p = alloc(<u32>bytes);
  if (p == 0) return 0;
  scratchPtr = p;
  scratchSize = <usize>classSize(<i32>load<u32>(p - HEADER));
  return p;
}

/** Internal: META as an i32 array. */
// @ts-ignore: decorator
@inline export function meta(i: i32): i32 {
  return load<i32>(META + (<usize>i << 2));
}

// Odometer of the strided kernels (binary, where, copy): rows are walked over the outer dims
// 0..ndim-2 while each operand's element offset follows its strides (operand k's strides are
// META group k+1; group 0 is the shape).
const ODO_COUNT: usize = memory.data(16 * 4, 16);
const ODO_OFFS: usize = memory.data(4 * 4, 16);

/** Resets the odometer for `ops` operands; returns the number of rows. */
// @ts-ignore: decorator
@inline export function odoStart(ndim: i32, ops: i32): i32 {
  let outer = 1;
  for (let d = 0; d < ndim - 1; d++) {
    outer *= meta(d);
    store<i32>(ODO_COUNT + (<usize>d << 2), 0);
  }
  for (let k = 0; k < ops; k++) store<i32>(ODO_OFFS + (<usize>k << 2), 0);
  return outer;
}

/** Element offset of operand k at the current row. */
// @ts-ignore: decorator
@inline export function odoOff(k: i32): i32 {
  return load<i32>(ODO_OFFS + (<usize>k << 2));
}

/** Moves to the next row. */
// @ts-ignore: decorator
@inline export function odoNext(ndim: i32, ops: i32): void {
  for (let d = ndim - 2; d >= 0; d--) {
    let cp = ODO_COUNT + (<usize>d << 2);
    let c = load<i32>(cp) + 1;
    let sz = meta(d);
    if (c < sz) {
      store<i32>(cp, c);
      for (let k = 0; k < ops; k++) {
        let p = ODO_OFFS + (<usize>k << 2);
        store<i32>(p, load<i32>(p) + meta((k + 1) * ndim + d));
      }
      return;
    }
    store<i32>(cp, 0);
    for (let k = 0; k < ops; k++) {
      let p = ODO_OFFS + (<usize>k << 2);
      store<i32>(p, load<i32>(p) - (sz - 1) * meta((k + 1) * ndim + d));
    }
  }
}
