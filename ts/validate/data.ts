// torch.tensor's data: nested arrays (or typed arrays) of numbers, booleans and bigints, read into a
// shape and a row-major list of leaves, with PyTorch's errors for what it cannot read.
import { isTensor } from '../brand.js';
import { typeName, ValueError } from './names.js';

export type Leaf = number | boolean | bigint;

function isSequence(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function leafError(v: unknown): Error {
  // PyTorch 1.13: strings are "new(): invalid data type 'str'" (TypeError); anything else it cannot
  // read a number from is "Could not infer dtype of NoneType / dict / ..." (RuntimeError).
  if (typeof v === 'string') return new TypeError("new(): invalid data type 'str'");
  if (isTensor(v)) {
    return new TypeError(`tensor(): a ${v.ndim}-D Tensor inside a list is not supported (only 0-d ones are; use torch.stack)`);
  }
  return new Error(`Could not infer dtype of ${typeName(v)}`);
}

/**
 * Reads nested arrays (or typed arrays) of numbers / booleans / bigints: their shape and the
 * leaves in row-major order. Refuses strings, null, undefined, objects and ragged nesting with
 * PyTorch's messages. A single leaf gives a 0-d shape.
 */
export function nestedData(data: unknown): { shape: number[]; flat: Leaf[] } {
  const shape: number[] = [];
  let cur: unknown = data;
  while (isSequence(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const flat: Leaf[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      const t = typeof v;
      if (t === 'number' || t === 'boolean' || t === 'bigint') {
        flat.push(v as Leaf);
        return;
      }
      // A 0-d tensor in a list is its value, as in PyTorch (`torch.tensor([loss1, loss2])`).
      if (isTensor(v) && v.ndim === 0) {
        const a = v.toArray();
        flat.push(v.dtype === 'bool' ? a[0] !== 0 : (a[0] as number | bigint));
        return;
      }
      if (isSequence(v))
        throw new TypeError(
          `tensor(): ragged nested sequence: found a list of length ${v.length} where a number was expected at dim ${depth}`,
        );
      throw leafError(v);
    }
    if (!isSequence(v)) {
      const t = typeof v;
      if (t === 'number' || t === 'boolean' || t === 'bigint') throw new TypeError('not a sequence');
      throw leafError(v);
    }
    if (v.length !== shape[depth]) throw new ValueError(`expected sequence of length ${shape[depth]} at dim ${depth} (got ${v.length})`);
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1);
  };
  walk(data, 0);
  return { shape, flat };
}
