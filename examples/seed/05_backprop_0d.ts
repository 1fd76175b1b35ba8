import { torch } from '../../ts/index.js';
import { print } from './py.js';

const x = torch.tensor(1.0);
const y = torch.tensor(2.0);
const w = torch.tensor(1.0, { requiresGrad: true });
let yPredicted = w.mul(x);
let loss = yPredicted.sub(y).pow(2);
print(loss);
loss.backward();
torch.noGrad(() => {
  w.sub_(w.grad!.mul(0.01));
});
w.grad!.zero_();
yPredicted = w.mul(x);
loss = yPredicted.sub(y).pow(2);
print(loss);
for (let epoch = 0; epoch < 100; epoch++) {
  torch.noGrad(() => {
    w.sub_(w.grad!.mul(0.01));
  });
  w.grad!.zero_();
  yPredicted = w.mul(x);
  loss = yPredicted.sub(y).pow(2);
  loss.backward();
  if (epoch % 10 === 0) {
    print(loss, epoch);
  }
}
