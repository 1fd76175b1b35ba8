// node --cpu-prof scripts/prof_w8.mjs [steps]: W8's training step (the small CNN of ../shared/bench/WORKLOADS.md,
// Adam, batch 64, one fixed batch) on random data, against the built library, for profiling without the peers.
const { torch } = await import(process.env.ASGRAD_BUILD ?? '../build/ts/index.js');
const steps = +(process.argv[2] ?? 40);
if (process.env.THREADS) torch.setNumThreads(+process.env.THREADS);
const nn = torch.nn;
const F = torch.nn.functional;
torch.manualSeed(0);
const model = new nn.Sequential(
  new nn.Conv2d(1, 16, 5, { padding: 2 }),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 5, { padding: 2 }),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Flatten(),
  new nn.Linear(1568, 10),
);
const x = torch.randn([64, 1, 28, 28]);
const y = torch.randint(0, 10, [64]);
const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
function step() {
  torch.scope(() => {
    const loss = F.crossEntropy(model(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    loss.item();
  });
}
for (let s = 0; s < 5; s++) step();
const times = [];
for (let r = 0; r < 5; r++) {
  // CPU time of this process: less disturbed than wall time on a machine shared with other jobs.
  const c0 = process.cpuUsage();
  for (let s = 0; s < steps / 5; s++) step();
  const c = process.cpuUsage(c0);
  times.push((c.user + c.system) / 1000 / (steps / 5));
}
times.sort((a, b) => a - b);
console.log('W8 step cpu ms: median', times[2].toFixed(3), 'min', times[0].toFixed(3));
