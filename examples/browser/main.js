// The browser bundle embeds the .wasm: a plain import works, and the first tensor operation
// instantiates the core synchronously (fine while the module is under Chromium's 8 MB main-thread
// limit). In your project: `import { torch } from 'asgrad'` through a bundler picks the same file
// (the "browser" condition of the exports map).
import { torch } from '../../build/asgrad.browser.js';

// ---- the seed's 01_chain_rule, its printout, and the graph of z

const printed = [];
/** Python's print for what the program prints (a grad_fn, a tensor). */
const print = (v) => printed.push(v === null ? 'None' : String(v));

// The page shows this function's own source, so what you read is what ran.
function chainRule() {
  const x = torch.ones(3, { requiresGrad: true });
  const y = x.add(2);
  print(y.gradFn);
  let z = y.mul(y).mul(3);
  z = z.mean();
  z.backward();
  print(x.grad);
  return { x, z };
}

const { x, z } = chainRule();
const source = chainRule.toString().split('\n').slice(1, -2);
document.getElementById('program').textContent = source.map((l) => l.replace(/^ {2}/, '')).join('\n');
document.getElementById('printout').textContent = printed.join('\n');
// The graph outlives backward (only the saved tensors are freed), so it can be drawn afterwards.
const graph = document.getElementById('graph');
graph.innerHTML = torch.autograd.graph.toSvg(z, { params: { x } });
// Drawn at 1.5 times its size: the SVG has a viewBox, so it scales without blurring.
const svg = graph.querySelector('svg');
for (const side of ['width', 'height']) svg.setAttribute(side, String(1.5 * Number(svg.getAttribute(side))));
document.body.dataset.graph = 'true';

// ---- linear regression

const X = torch.tensor([1, 2, 3, 4]);
const Y = torch.tensor([2, 4, 6, 8]);
const w = torch.tensor([0.0], { requiresGrad: true });
const forward = (x) => w.mul(x);

const list = document.getElementById('losses');
let first = null;
for (let epoch = 0; epoch < 50; epoch++) {
  const loss = forward(X).sub(Y).pow(2).mean();
  loss.backward();
  torch.noGrad(() => w.sub_(w.grad.mul(0.01)));
  w.grad.zero_();
  if (epoch % 5 === 0 || epoch === 49) {
    const value = loss.item();
    first ??= value;
    const li = document.createElement('li');
    li.value = epoch + 1;
    li.dataset.loss = String(value);
    li.textContent = `epoch ${epoch + 1}: w = ${w.item().toFixed(3)}, loss = ${value.toExponential(3)}`;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(20 * value) / first}em`;
    li.append(bar);
    list.append(li);
  }
}
document.getElementById('status').textContent = `done: f(5) = ${forward(5).item().toFixed(3)}`;
document.body.dataset.done = 'true';
