// The operation classes of elementwise.ts that the tile interpreter (fuse.ts) applies too, so a
// fused program computes with the very same scalar and v128 forms as the unfused kernels (kept out
// of the module's exports: index.ts re-exports elementwise.ts whole).

@final export class UNeg {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return -x; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.neg<T>(x); }
}

@final export class UAbs {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return abs<T>(x); }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.abs<T>(x); }
}

@final export class USqrt {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return sqrt<T>(x); }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.sqrt<T>(x); }
}

/** relu(x) = x < 0 ? 0 : x, PyTorch's clamp_min(x, 0): relu(NaN) = NaN and relu(-0) = -0. */
@final export class URelu {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return x < <T>0 ? <T>0 : x; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 {
    let zero = v128.splat<T>(<T>0);
    return v128.bitselect(zero, x, v128.lt<T>(x, zero));
  }
}

@final export class BAdd {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return a + b; }
  // @ts-ignore: decorator
  @inline v<T>(a: v128, b: v128): v128 { return v128.add<T>(a, b); }
}

@final export class BSub {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return a - b; }
  // @ts-ignore: decorator
  @inline v<T>(a: v128, b: v128): v128 { return v128.sub<T>(a, b); }
}

@final export class BMul {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return a * b; }
  // @ts-ignore: decorator
  @inline v<T>(a: v128, b: v128): v128 { return v128.mul<T>(a, b); }
}

@final export class BDiv {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return a / b; }
  // @ts-ignore: decorator
  @inline v<T>(a: v128, b: v128): v128 { return v128.div<T>(a, b); }
}

/** wasm max/min: NaN-propagating like torch.maximum / torch.minimum. */
@final export class BMax {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return max<T>(a, b); }
  // @ts-ignore: decorator
  @inline v<T>(a: v128, b: v128): v128 { return v128.max<T>(a, b); }
}

@final export class BMin {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return min<T>(a, b); }
  // @ts-ignore: decorator
  @inline v<T>(a: v128, b: v128): v128 { return v128.min<T>(a, b); }
}
