import { torch } from '../../ts/index.js';
import { print } from './py.js';

torch.manualSeed(0);
let a = torch.randn(2, 2);
print(a.requiresGrad);
let b = a.mul(3).div(a.sub(1));
print(b.gradFn);
a.requiresGrad_(true);
print(a.requiresGrad);
b = a.mul(a).sum();
print(b.gradFn);
a = torch.randn(2, 2, { requiresGrad: true });
print(a.requiresGrad);
b = a.detach();
print(b.requiresGrad);
a = torch.randn(2, 2, { requiresGrad: true });
print(a.requiresGrad);
torch.noGrad(() => {
  print(a.pow(2).requiresGrad);
});
