// node --cpu-prof scripts/prof_w7.mjs [steps]: W7's training step (the MLP of ../shared/bench/WORKLOADS.md,
// batch 64, SGD momentum) on random data, against the built library, for profiling without the peers.
const { torch } = await import(process.env.ASGRAD_BUILD ?? '../build/ts/index.js');
const steps = +(process.argv[2] ?? 300);
if (process.env.THREADS) torch.setNumThreads(+process.env.THREADS);
const nn = torch.nn;
const F = torch.nn.functional;
torch.manualSeed(0);
const images = 1280;
const X = torch.randn([images, 1, 28, 28]);
const Y = torch.randint(0, 10, [images]);
const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const batch = 64;
function step(s) {
  torch.scope(() => {
    const i = (s * batch) % images;
    const loss = F.crossEntropy(model(X.narrow(0, i, batch)), Y.narrow(0, i, batch));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    loss.item();
  });
}
for (let s = 0; s < 50; s++) step(s);
const times = [];
for (let r = 0; r < 5; r++) {
  // CPU time of this process: less disturbed than wall time on a machine shared with other jobs.
  const c0 = process.cpuUsage();
  for (let s = 0; s < steps / 5; s++) step(s);
  const c = process.cpuUsage(c0);
  times.push((c.user + c.system) / 1000 / (steps / 5));
}
times.sort((a, b) => a - b);
console.log('W7 step cpu ms: median', times[2].toFixed(3), 'min', times[0].toFixed(3));
