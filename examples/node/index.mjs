// Node (ESM): `npm install asgrad`, then `node index.mjs`. A plain import is enough: the core is
// read from node_modules/asgrad/build/asgrad.wasm and instantiated synchronously on first use.
// The seed's linear regression (07_autograd_gd): learn w in f(x) = w * x from four points.
import { torch } from 'asgrad';

const X = torch.tensor([1, 2, 3, 4]);
const Y = torch.tensor([2, 4, 6, 8]);
const w = torch.tensor([0.0], { requiresGrad: true });
const forward = (x) => w.mul(x);

console.log(`Prediction before training: f(5) = ${forward(5).item().toFixed(3)}`);
for (let epoch = 0; epoch < 50; epoch++) {
  const loss = forward(X).sub(Y).pow(2).mean();
  loss.backward();
  torch.noGrad(() => w.sub_(w.grad.mul(0.01)));
  w.grad.zero_();
  if (epoch % 10 === 0) console.log(`epoch ${epoch + 1}: w = ${w.item().toFixed(3)}, loss = ${loss.item().toFixed(8)}`);
}
console.log(`Prediction after training: f(5) = ${forward(5).item().toFixed(3)}`);
