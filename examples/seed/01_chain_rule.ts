import { torch } from '../../ts/index.js';
import { print } from './py.js';

const x = torch.ones(3, { requiresGrad: true });
const y = x.add(2);
print(y.gradFn);
let z = y.mul(y).mul(3);
z = z.mean();
z.backward();
print(x.grad);
