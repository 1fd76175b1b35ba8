import { torch } from '../../ts/index.js';
import { print } from './py.js';

const x = torch.tensor([1.1, 1.1, 1.1], { requiresGrad: true });
let y = x.mul(2);
for (let i = 0; i < 10; i++) {
  y = y.mul(2);
}
print(y);
print(y.shape);
const v = torch.tensor([0.1, 1.0, 0.0001], { dtype: torch.float32 });
y.backward(v);
print(x.grad);
