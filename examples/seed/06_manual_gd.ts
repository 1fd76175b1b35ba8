// The hand-written gradient of the tutorial, on tensors without autograd. NumPy's rules are kept:
// w is a float64 scalar, the data and predictions float32 (a 0-d w does not upcast them).
import { torch, type Tensor } from '../../ts/index.js';
import { print } from './py.js';

const X = torch.fromArray(new Float32Array([1, 2, 3, 4]));
const Y = torch.fromArray(new Float32Array([2, 4, 6, 8]));
let w = torch.tensor(0.0, { dtype: torch.float64 });
const forward = (x: Tensor | number): Tensor => w.mul(x);
const loss = (y: Tensor, yPred: Tensor): Tensor => yPred.sub(y).pow(2).mean();
const gradient = (x: Tensor, y: Tensor, yPred: Tensor): Tensor => torch.dot(x.mul(2), yPred.sub(y)).mean();
print(`Prediction before training: f(5) = ${forward(5).item().toFixed(3)}`);
const learningRate = 0.01;
const nIters = 20;
for (let epoch = 0; epoch < nIters; epoch++) {
  const yPred = forward(X);
  const l = loss(Y, yPred);
  const dw = gradient(X, Y, yPred);
  w = w.sub(dw.double().mul(learningRate));
  if (epoch % 2 === 0) {
    print(`epoch ${epoch + 1}: w = ${w.item().toFixed(3)}, loss = ${l.item().toFixed(8)}`);
  }
}
print(`Prediction after training: f(5) = ${forward(5).item().toFixed(3)}`);
