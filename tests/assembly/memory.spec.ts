import { alloc, free, set_limit_bytes, heap_bytes, allocated_bytes, peak_allocated_bytes, reset_peak, meta_ptr } from "../../assembly/index";

describe("memory", () => {
  test("alloc returns 16-byte aligned, nonzero, non-overlapping blocks", () => {
    let a = alloc(1);
    let b = alloc(100);
    let c = alloc(4096);
    expect(a).not.toBe(0);
    expect(b).not.toBe(0);
    expect(c).not.toBe(0);
    expect(a & 15).toBe(0);
    expect(b & 15).toBe(0);
    expect(c & 15).toBe(0);
    // write whole blocks and check nothing was clobbered
    memory.fill(a, 0x11, 1);
    memory.fill(b, 0x22, 100);
    memory.fill(c, 0x33, 4096);
    expect(load<u8>(a)).toBe(0x11);
    expect(load<u8>(b + 99)).toBe(0x22);
    expect(load<u8>(b)).toBe(0x22);
    expect(load<u8>(c + 4095)).toBe(0x33);
    free(a); free(b); free(c);
  });

  test("alloc(0) returns a valid nonzero pointer", () => {
    let p = alloc(0);
    expect(p).not.toBe(0);
    expect(p & 15).toBe(0);
    free(p);
  });

  test("freeing then allocating the same size returns the same block", () => {
    let p = alloc(1000);
    free(p);
    let q = alloc(1000);
    expect(q).toBe(p);
    // any size of the same class also reuses it
    free(q);
    let r = alloc(1010);
    expect(r).toBe(p);
    free(r);
  });

  test("allocated_bytes counts class sizes and returns to its start", () => {
    let start = allocated_bytes();
    let p = alloc(100); // class 112
    expect(allocated_bytes() - start).toBe(112);
    let q = alloc(16);
    expect(allocated_bytes() - start).toBe(128);
    let r = alloc(1 << 20); // exactly a class
    expect(allocated_bytes() - start).toBe(128 + (1 << 20));
    free(q); free(p); free(r);
    expect(allocated_bytes()).toBe(start);
  });

  test("class sizes never waste more than 25% (above 64 bytes)", () => {
    let start = allocated_bytes();
    for (let s: u32 = 65; s < 70000; s = s * 3 / 2 + 7) {
      let p = alloc(s);
      let got = allocated_bytes() - start;
      expect(got >= s).toBe(true);
      expect(<f64>got <= <f64>s * 1.25 + 16).toBe(true);
      free(p);
    }
    expect(allocated_bytes()).toBe(start);
  });

  test("double free and free(0) are harmless", () => {
    let start = allocated_bytes();
    free(0);
    let p = alloc(48);
    free(p);
    free(p);
    expect(allocated_bytes()).toBe(start);
    let a = alloc(48);
    let b = alloc(48);
    expect(a).not.toBe(b);
    free(a); free(b);
  });

  test("peak_allocated_bytes tracks the maximum and reset_peak resets it", () => {
    reset_peak();
    let base = peak_allocated_bytes();
    expect(base).toBe(allocated_bytes());
    let p = alloc(1 << 16);
    free(p);
    expect(peak_allocated_bytes()).toBe(base + (1 << 16));
    reset_peak();
    expect(peak_allocated_bytes()).toBe(allocated_bytes());
  });

  test("large allocations grow the memory and stay usable", () => {
    let before = heap_bytes();
    let p = alloc(8 << 20);
    expect(p).not.toBe(0);
    expect(heap_bytes() > before).toBe(true);
    expect(heap_bytes()).toBe(<f64>memory.size() * 65536.0);
    store<f64>(p + (8 << 20) - 8, 1.5);
    expect(load<f64>(p + (8 << 20) - 8)).toBe(1.5);
    free(p);
    let q = alloc(8 << 20);
    expect(q).toBe(p);
    free(q);
  });

  test("meta_ptr is a 16-aligned static area outside the heap", () => {
    let m = meta_ptr();
    expect(m).not.toBe(0);
    expect(m & 15).toBe(0);
    expect(meta_ptr()).toBe(m);
    let p = alloc(64);
    expect(p >= m + 4096 || p + 64 <= m).toBe(true);
    store<i32>(m + 4092, 7);
    expect(load<i32>(m + 4092)).toBe(7);
    free(p);
  });
});

describe("memory limit", () => {
  test("set_limit_bytes makes alloc return 0 instead of growing past the limit, then recovers", () => {
    let cur = heap_bytes();
    set_limit_bytes(cur);
    let big = alloc(96 << 20); // larger than any block so far: needs growth, refused
    expect(big).toBe(0);
    set_limit_bytes(4294967296.0);
    big = alloc(96 << 20);
    expect(big).not.toBe(0);
    free(big);
  });
});

describe("memory: the 4 GiB end", () => {
  test("a freed top block goes back to the bump region, so a larger request can reuse its place", () => {
    let a = alloc(4 << 20);
    let before = heap_bytes();
    free(a);
    let b = alloc(6 << 20); // another class: served from where a was, not from new pages
    let after = heap_bytes();
    expect(b).toBe(a);
    expect(after).toBe(before);
    free(b);
  });

  test("a block that would end past the limit is refused (alloc returns 0), without growing memory", () => {
    let cur = heap_bytes();
    set_limit_bytes(cur + 65536.0 * 4);
    let p = alloc(256 << 20); // more than the free region plus the 4 pages the limit leaves
    let after = heap_bytes(); // (read before expect: the spec runtime's own heap may grow)
    expect(p).toBe(0);
    expect(after).toBe(cur);
    let q = alloc(64); // small requests still succeed
    expect(q).not.toBe(0);
    free(q);
    set_limit_bytes(4294967296.0);
  });

  test("requests whose class would pass 4 GiB are refused", () => {
    let start = allocated_bytes();
    expect(alloc(0xFFFF_0000)).toBe(0);
    expect(alloc(0xFFFF_FFFF)).toBe(0);
    expect(allocated_bytes()).toBe(start);
    let p = alloc(100);
    expect(p).not.toBe(0);
    free(p);
  });
});
