import { torch, type Tensor } from '../../ts/index.js';
import { print } from './py.js';

const X = torch.fromArray(new Float32Array([1, 2, 3, 4]));
const Y = torch.fromArray(new Float32Array([2, 4, 6, 8]));
const w = torch.tensor([0.0], { requiresGrad: true });
const forward = (x: Tensor | number): Tensor => w.mul(x);
const loss = (y: Tensor, yPred: Tensor): Tensor => yPred.sub(y).pow(2).mean();
print(`Prediction before training: f(5) = ${forward(5).item().toFixed(3)}`);
const learningRate = 0.01;
const nIters = 50;
for (let epoch = 0; epoch < nIters; epoch++) {
  const yPred = forward(X);
  const l = loss(Y, yPred);
  l.backward();
  torch.noGrad(() => {
    w.sub_(w.grad!.mul(learningRate));
  });
  w.grad!.zero_();
  if (epoch % 10 === 0) {
    print(`epoch ${epoch + 1}: w = ${w.item().toFixed(3)}, loss = ${l.item().toFixed(8)}`);
  }
}
print(`Prediction after training: f(5) = ${forward(5).item().toFixed(3)}`);
