// The traces of ../shared/golden-train/training.json (PyTorch 1.13; format in
// README-optim-autograd-io.md): an nn.Sequential built from layer specs, loaded with the trace's
// initial state, trained batch by batch (zeroGrad, cross_entropy, backward, step) with an optimizer
// from torch.optim. Every loss (read before its step) and the final state dict are compared.
import { readFileSync } from 'node:fs';
import { torch, type Tensor } from '../../build/ts/index.js';
import type { DType } from '../../build/ts/index.js';
import { compare, makeTensor, type Result } from './runner.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface TensorSpec {
  shape: number[];
  data: (number | boolean | string)[];
  dtype?: DType;
}
export interface TrainingTrace {
  name: string;
  dtype: DType;
  model: ({ type: string } & Record<string, Json>)[];
  initial_state: Record<string, TensorSpec>;
  optimizer: { type: string; kwargs: Record<string, Json> };
  loss: 'cross_entropy';
  batches: { x: TensorSpec; y: TensorSpec }[];
  expected: { losses: number[]; state_dict: Record<string, TensorSpec> };
  tolerance: { rtol: number; atol: number };
}

/** The constructor arguments PyTorch users pass positionally, in its signature's order; the rest go in the options object. */
const POSITIONAL: Record<string, string[]> = {
  Linear: ['in_features', 'out_features'],
  Conv2d: ['in_channels', 'out_channels', 'kernel_size'],
  MaxPool2d: ['kernel_size'],
  AdaptiveAvgPool2d: ['output_size'],
};

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
type Layer = InstanceType<typeof torch.nn.Module>;
const NN = torch.nn as unknown as Record<string, (new (...args: unknown[]) => Layer) | undefined>;
const OPTIM = torch.optim as unknown as Record<
  string,
  (new (params: Iterable<Tensor>, opts: Record<string, unknown>) => { zeroGrad(): void; step(): void }) | undefined
>;

function layer(spec: TrainingTrace['model'][number]): Layer {
  const Cls = NN[spec.type];
  if (!Cls) throw new Error(`torch.nn has no module ${spec.type}`);
  const { type, ...kw } = spec;
  const pos = POSITIONAL[type] ?? [];
  const args: unknown[] = pos.map((k) => kw[k]);
  const rest = Object.entries(kw).filter(([k]) => !pos.includes(k));
  if (rest.length) args.push(Object.fromEntries(rest.map(([k, v]) => [camel(k), v])));
  return new Cls(...args);
}

export function runTrainingTrace(tr: TrainingTrace): Result {
  const errs: string[] = [];
  try {
    torch.scope(() => {
      const model = new torch.nn.Sequential(...tr.model.map(layer));
      if (tr.dtype === 'float64') model.double();
      model.loadStateDict(Object.fromEntries(Object.entries(tr.initial_state).map(([k, v]) => [k, makeTensor(v, tr.dtype)])));
      const Opt = OPTIM[tr.optimizer.type];
      if (!Opt) throw new Error(`torch.optim has no ${tr.optimizer.type}`);
      const opt = new Opt(model.parameters(), Object.fromEntries(Object.entries(tr.optimizer.kwargs).map(([k, v]) => [camel(k), v])));
      const tol = tr.tolerance;
      tr.batches.forEach((b, i) => {
        torch.scope(() => {
          opt.zeroGrad();
          const loss = torch.nn.functional.crossEntropy(model(makeTensor(b.x, tr.dtype)), makeTensor(b.y, tr.dtype));
          const want = tr.expected.losses[i];
          const got = loss.item();
          if (!(Math.abs(got - want) <= tol.atol + tol.rtol * Math.abs(want))) errs.push(`loss ${i}: ${got} != ${want}`);
          loss.backward();
          opt.step();
        });
      });
      const sd = model.stateDict();
      for (const [k, want] of Object.entries(tr.expected.state_dict)) {
        const p = compare(`state_dict ${k}`, sd[k] ?? null, want, tol, tr.dtype);
        if (p) errs.push(p);
      }
      const extra = Object.keys(sd).filter((k) => !(k in tr.expected.state_dict));
      if (extra.length) errs.push(`state_dict has keys PyTorch's has not: ${extra.join(', ')}`);
    });
  } catch (err) {
    errs.push(`threw: ${(err as Error).message}`);
  }
  return errs.length ? { name: tr.name, ok: false, message: errs.join('; ') } : { name: tr.name, ok: true };
}

export function loadTrainingTraces(file: string): TrainingTrace[] {
  const d = JSON.parse(readFileSync(file, 'utf8')) as { format: number; group: string; traces: TrainingTrace[] };
  if (d.format !== 1 || d.group !== 'training') throw new Error(`${file}: not a format-1 training group`);
  return d.traces;
}
