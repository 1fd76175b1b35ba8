// A Cloudflare worker (workerd) that computes a gradient on request:
//   GET /?x=1.5  ->  {"x":1.5,"y":...,"dydx":...}   for y = x^3 + sin(x), dy/dx = 3x^2 + cos(x)
// Workers may not compile WebAssembly from bytes at run time: the .wasm is imported as a module
// (wrangler and workerd's config both provide it) and handed to `torch.init({ module })`.
import { torch } from 'asgrad';
import wasm from 'asgrad/asgrad.wasm';

export default {
  async fetch(request) {
    await torch.init({ module: wasm });
    const url = new URL(request.url);
    const x0 = Number(url.searchParams.get('x') ?? '2');
    return torch.scope(() => {
      const x = torch.tensor(x0, { dtype: 'float64', requiresGrad: true });
      const y = x.pow(3).add(x.sin());
      y.backward();
      return Response.json({ x: x0, y: y.item(), dydx: x.grad.item() });
    });
  },
};
