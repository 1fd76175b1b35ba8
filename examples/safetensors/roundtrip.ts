// PyTorch -> asgrad -> PyTorch through safetensors (`npx tsx examples/safetensors/roundtrip.ts`).
//
// pytorch_model.safetensors is the state dict of a PyTorch 1.13 model (Linear-BatchNorm1d-ReLU-
// Linear, trained 3 steps: its BatchNorm running statistics and num_batches_tracked are in the file),
// written by pytorch_model.py, which also recorded the model's eval-mode output for a fixed input
// (pytorch_outputs.json). Here the same model is built with asgrad, the file is loaded into it with
// loadStateDict, and its output is compared with PyTorch's. Then the model's state dict goes the
// other way: saved by asgrad, it is a file PyTorch's `safetensors.torch.load_file` reads.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { torch, type Tensor } from '../../ts/index.js';
import { loadFile, saveFile } from '../../ts/node.js';

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const nn = torch.nn;

/** The model of pytorch_model.py: nn.Sequential(Linear(6, 8), BatchNorm1d(8), ReLU(), Linear(8, 3)). */
export function buildModel(): InstanceType<typeof nn.Sequential> {
  return new nn.Sequential(new nn.Linear(6, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
}

/** Loads PyTorch's file into an asgrad model; returns the model's output and PyTorch's. */
export function fromPyTorch(): { model: InstanceType<typeof nn.Sequential>; output: Tensor; expected: number[][] } {
  const ref = JSON.parse(readFileSync(here('pytorch_outputs.json'), 'utf8')) as { input: number[][]; output: number[][] };
  const model = buildModel();
  model.loadStateDict(loadFile(here('pytorch_model.safetensors')));
  model.eval();
  const output = torch.noGrad(() => model(torch.tensor(ref.input)));
  return { model, output, expected: ref.output };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { model, output, expected } = fromPyTorch();
  const got = output.tolist() as number[][];
  let worst = 0;
  for (let i = 0; i < got.length; i++)
    for (let j = 0; j < got[i].length; j++) worst = Math.max(worst, Math.abs(got[i][j] - expected[i][j]));
  console.log('asgrad output of the PyTorch-trained model:');
  console.log(output.toString());
  console.log(`largest difference from PyTorch's output: ${worst.toExponential(2)}`);
  const sd = model.stateDict();
  console.log(`num_batches_tracked from the file: ${sd['1.num_batches_tracked'].item()}`);
  const out = join(tmpdir(), 'asgrad_model.safetensors');
  saveFile(out, sd, { metadata: { format: 'pt' } });
  console.log(`saved by asgrad: ${out}`);
  console.log('in Python: safetensors.torch.load_file(path) gives the state dict back (or, without the package:');
  console.log(`  python3 ../shared/golden-train/safetensors_check.py --padding ${out})`);
}
