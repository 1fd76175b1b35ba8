// node --cpu-prof scripts/prof_loop.mjs W1 40000: the bench's W1/W5 written against the built bundle, so a
// CPU profile has real line numbers (tsx collapses each module to one line).
const { torch } = await import(process.env.ASGRAD_BUILD ?? '../build/ts/index.js');
const w = process.argv[2];
const n = +process.argv[3];
function w1() {
  const X = torch.tensor([1, 2, 3, 4]);
  const Y = torch.tensor([2, 4, 6, 8]);
  const w = torch.tensor([0.0], { requiresGrad: true });
  return (n) => {
    for (let i = 0; i < n; i++) {
      const l = w.mul(X).sub(Y).pow(2).mean();
      l.backward();
      torch.noGrad(() => w.sub_(w.grad.mul(0.01)));
      w.grad.zero_();
    }
  };
}
function w5() {
  const x = torch.tensor([1, 2, 3], { requiresGrad: true });
  return (n) => {
    for (let i = 0; i < n; i++) {
      x.grad = null;
      let y = x;
      for (let k = 0; k < 500; k++) y = y.mul(1.0001).add(0.0001);
      y.sum().backward();
    }
  };
}
const run = { W1: w1, W5: w5 }[w]();
run(Math.ceil(n / 5));
// CPU time of this process: less disturbed than wall time on a machine shared with other jobs.
const c0 = process.cpuUsage();
run(n);
const c = process.cpuUsage(c0);
const ms = (c.user + c.system) / 1000;
console.log(w, w === 'W1' ? `${((ms * 1000) / n).toFixed(2)} us/epoch` : `${((ms * 1000) / n / 1000).toFixed(3)} us/op`);
