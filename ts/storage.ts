// Reference-counted blocks of WASM linear memory. Handles (tensors, views, saved tensors) retain a
// storage; the last release returns the block to the core's allocator.
import { getCore } from './core/wasm.js';
import { DType, ITEM_SIZE } from './dtype.js';

export const stats = { liveStorages: 0, liveTensors: 0 };

export class Storage {
  ptr: number;
  readonly bytes: number;
  refs = 1;
  /** PyTorch's version counter: shared by all views of the storage, bumped by in-place ops. */
  version = 0;

  constructor(bytes: number) {
    const c = getCore();
    const ptr = c.alloc(bytes);
    if (ptr === 0) {
      throw new RangeError(
        `asgrad: out of memory: cannot allocate ${bytes} bytes (WASM heap ${c.heap_bytes()} bytes, ` +
          `${c.allocated_bytes()} in use; wasm32 memory is limited to 4 GiB)`,
      );
    }
    this.ptr = ptr;
    this.bytes = bytes;
    stats.liveStorages++;
  }

  static forElements(n: number, dtype: DType): Storage {
    return new Storage(n * ITEM_SIZE[dtype]);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (this.refs <= 0) return;
    if (--this.refs === 0) {
      getCore().free(this.ptr);
      this.ptr = 0;
      stats.liveStorages--;
    }
  }
}
