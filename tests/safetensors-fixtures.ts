// Files asgrad writes, checked once against ../shared/golden-train/safetensors_check.py (a strict
// reader by PyTorch's side: `--padding`, all OK) and pinned here by their sha256, so the writer must
// keep reproducing them byte for byte without Python in CI (tests/safetensors.test.ts).
// To re-check after a deliberate format change: `npx tsx tests/safetensors-fixtures.ts DIR` writes
// them to DIR; run the checker on each, then update the hashes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { torch, type Tensor } from '../ts/index.js';

export interface Fixture {
  name: string;
  tensors: Record<string, Tensor> | Map<string, Tensor>;
  metadata?: Record<string, string>;
  dtypes?: Record<string, 'F16' | 'BF16'>;
  sha256: string;
}

/** Float bits a value path must keep: NaN payloads, -0, infinities, subnormals. */
function specialF32(): Tensor {
  const u = new Uint32Array([0x7fc00000, 0xffc00001, 0x7fc00123, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x807fffff, 0x3f800000]);
  return torch.fromArray(new Float32Array(u.buffer), [3, 3]);
}
function specialF64(): Tensor {
  const u = new BigUint64Array([0x7ff8000000000000n, 0xfff0000000000001n, 0x8000000000000000n, 0x0000000000000001n, 0x7fefffffffffffffn]);
  return torch.fromArray(new Float64Array(u.buffer), [5]);
}

export function fixtures(): Fixture[] {
  const seq = torch.arange(12, { dtype: 'float32' }).reshape([3, 4]);
  return [
    {
      name: 'mixed_dtypes',
      tensors: {
        weight: seq.t(), // non-contiguous: written in logical order
        double: torch.linspace(-1, 1, 5, { dtype: 'float64' }),
        idx: torch.tensor([0n, -1n, 4611686018427387904n, -9223372036854775808n], { dtype: 'int64' }),
        mask: torch.tensor([true, false, true]),
        scalar: torch.tensor(2.5),
        empty: torch.zeros([0, 3]),
        count: torch.tensor(7n, { dtype: 'int64' }),
      },
      metadata: { format: 'pt', step: '10', note: 'ünïcode "quoted" \\ back' },
      sha256: '32b02f48fffb52ff3c3addde99bb0c032222b970fc1d61e3e4b70d01cd650b01',
    },
    {
      name: 'special_values_and_names',
      tensors: new Map<string, Tensor>([
        ['f32 specials', specialF32()],
        ['f64 specials', specialF64()],
        ['quote"back\\slash', torch.ones([2])],
        ['ünï', torch.zeros([1])],
        ['\u{1F600} astral', torch.full([2], 3)],
        ['\uFFFD bmp', torch.full([1], 4)],
        ['10', torch.ones([1], { dtype: 'float64' })],
        ['9', torch.zeros([1], { dtype: 'float64' })],
      ]),
      sha256: 'a73c594592c41295c75f7cef1bded72a26bb482851ca9ebdfc1360889fa402c9',
    },
    {
      name: 'half_precision',
      tensors: {
        w16: torch.arange(-7, 8, { dtype: 'float32' }).div(7).reshape([3, 5]),
        wbf: torch.arange(-7, 8, { dtype: 'float32' }).div(7).reshape([5, 3]).t(),
        specials: specialF32(),
        kept: torch.tensor([0.1, 0.2]),
      },
      dtypes: { w16: 'F16', wbf: 'BF16', specials: 'F16' },
      metadata: { format: 'pt' },
      sha256: '0961e4bce96814cd482b154c5323c1b44a8ad69db269ca70578020c582ad4650',
    },
    {
      name: 'cnn_state_dict',
      tensors: (() => {
        torch.manualSeed(0);
        const nn = torch.nn;
        const m = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(16, 5));
        return m.stateDict();
      })(),
      metadata: { format: 'pt' },
      sha256: 'b00185d0f127a140d57fb62de983485a1d3108ef1434aab5e9f24d1ea351217a',
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? 'safetensors-fixtures';
  mkdirSync(dir, { recursive: true });
  for (const f of fixtures()) {
    const bytes = torch.safetensors.save(f.tensors, { metadata: f.metadata, dtypes: f.dtypes });
    writeFileSync(join(dir, `${f.name}.safetensors`), bytes);
    const { createHash } = await import('node:crypto');
    console.log(f.name, createHash('sha256').update(bytes).digest('hex'));
  }
}
