// A module constructor's arguments: positional values, then an optional options object (camelCase
// keys), as Python's positional-or-keyword parameters. Unknown keys get PyTorch's "unexpected
// keyword argument" message through ../validate.ts.
import * as V from '../validate.js';

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The named values of `args` (positional in `names` order, then the options object's keys). */
export function initArgs(entry: string, kinds: Record<string, V.OptKind>, args: readonly unknown[]): Record<string, unknown> {
  const names = Object.keys(kinds);
  const pos = [...args];
  while (pos.length && pos[pos.length - 1] === undefined) pos.pop();
  const last = pos[pos.length - 1];
  const opts = pos.length && V.isOptions(last) ? (pos.pop() as Record<string, unknown>) : {};
  if (pos.length > names.length) {
    throw new TypeError(`__init__() takes from 1 to ${names.length + 1} positional arguments but ${pos.length + 1} were given`);
  }
  V.options(V.optionSpec(`${entry}.__init__`, kinds), opts);
  const out: Record<string, unknown> = {};
  pos.forEach((v, i) => {
    if (names[i] in opts) throw new TypeError(`__init__() got multiple values for argument '${snake(names[i])}'`);
    out[names[i]] = v;
  });
  for (const k of Object.keys(opts)) if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}
