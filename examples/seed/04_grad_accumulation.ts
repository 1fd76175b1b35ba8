import { torch, type Tensor } from '../../ts/index.js';
import { print } from './py.js';

const weights = torch.ones(4, { requiresGrad: true });
let modelOutput!: Tensor;
for (let epoch = 0; epoch < 3; epoch++) {
  modelOutput = weights.mul(3).sum();
  modelOutput.backward();
  print(weights.grad);
  torch.noGrad(() => {
    weights.sub_(weights.grad!.mul(0.1));
  });
  weights.grad!.zero_();
}
print(weights);
print(modelOutput);
