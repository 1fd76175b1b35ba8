// The training side of the Fashion-MNIST page, in a module Web Worker: every tensor lives here, so
// the page's thread only draws and answers input while a step runs.
//
// Messages in:  {type: 'init', dataBase, evalSize} · {type: 'start', model, seed, maxSteps, evalEvery}
//               {type: 'stop'} · {type: 'reset'} · {type: 'save'} · {type: 'load', bytes, name}
// Messages out: {type: 'status', text} · {type: 'ready', ...} · {type: 'progress', points, ...}
//               {type: 'eval', ...} · {type: 'stopped', ...} · {type: 'weights', bytes, name}
//               {type: 'loaded', ...} · {type: 'error', message}
//
// `await torch.init()` comes first: in a worker of a cross-origin isolated page (the server sends
// COOP/COEP) it loads the threaded core, and matrix products use torch.getNumThreads() threads.
import { torch } from '../../build/asgrad.browser.js';

const nn = torch.nn;
const F = nn.functional;
const BATCH = 64;
const GRID = 40; // test images shown in the page's grid
// The recipes' normalisation of the [0, 1] pixels (Fashion-MNIST's training mean and std).
const MEAN = 0.286;
const STD = 0.353;

/** The recipes: exactly these Sequentials, so PyTorch's state-dict keys load as they are. */
const RECIPES = {
  mlp: {
    build: () => new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10)),
    optimizer: (params) => new torch.optim.SGD(params, { lr: 0.01, momentum: 0.9 }),
    epochs: 5,
  },
  cnn: {
    build: () =>
      new nn.Sequential(
        new nn.Conv2d(1, 16, 5, { padding: 2 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Conv2d(16, 32, 5, { padding: 2 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(1568, 10),
      ),
    optimizer: (params) => new torch.optim.Adam(params, { lr: 1e-3 }),
    epochs: 1,
  },
};

let data = null; // { train, test }: torch.datasets.FashionMNIST, kept for the worker's life
let evalSize = 1000;
let run = null; // the model being trained and where its loop stands
let running = false;

const post = (msg, transfer) => postMessage(msg, transfer ?? []);
const status = (text) => post({ type: 'status', text });

// A zero-delay yield (setTimeout is clamped to 4 ms when nested): lets 'stop' and 'save' messages in
// between two steps.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToEvents = () =>
  new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });

function newRun(kind, seed) {
  const recipe = RECIPES[kind];
  if (!recipe) throw new Error(`unknown model ${JSON.stringify(kind)}: mlp or cnn`);
  torch.manualSeed(seed);
  const model = recipe.build();
  return {
    kind,
    seed,
    model,
    opt: recipe.optimizer(model.parameters()),
    // Batches of 64 in a new random order every epoch, from the run's own generator (PyTorch's
    // DataLoader(train, batch_size=64, shuffle=True, generator=g)); one index_select per batch.
    loader: new torch.utils.data.DataLoader(data.train, {
      batchSize: BATCH,
      shuffle: true,
      generator: new torch.Generator().manualSeed(seed),
    }),
    batches: null, // this epoch's iterator
    step: 0,
    epoch: 0,
  };
}

/** A run's memory back at once (a reset, another recipe, loaded weights), not when the GC gets to it. */
function release(r) {
  r.batches?.return(); // releases the epoch's order
  for (const state of r.opt.state.values()) for (const v of Object.values(state)) if (v instanceof torch.Tensor) v.dispose();
  for (const p of r.model.parameters()) {
    p.grad?.dispose();
    p.dispose();
  }
}

function disposeRun() {
  if (run) release(run);
  run = null;
}

/** One SGD/Adam step on the next batch; returns [loss, correct in the batch, batch size]. */
function trainStep(r) {
  let next = r.batches?.next();
  if (!next || next.done) {
    r.batches = r.loader[Symbol.iterator]();
    r.epoch += 1;
    next = r.batches.next();
  }
  const [x, y] = next.value;
  try {
    const out = torch.scope(() => {
      r.opt.zeroGrad();
      const logits = r.model(x);
      const loss = F.crossEntropy(logits, y);
      loss.backward();
      r.opt.step();
      return [loss.item(), logits.argmax(1).eq(y).sum().item()];
    });
    r.step += 1;
    return [out[0], out[1], x.shape[0]];
  } finally {
    // The loader's batches are the caller's to release.
    x.dispose();
    y.dispose();
  }
}

/** Predictions of test images [start, start + count): the class of each and its softmax probability. */
function predict(model, start, count) {
  return torch.noGrad(() =>
    torch.scope(() => {
      const logits = model(data.test.data.narrow(0, start, count));
      const probs = F.softmax(logits, 1);
      const best = probs.max(1);
      return {
        classes: Array.from(best.indices.toArray(), Number),
        probs: Array.from(best.values.toArray()),
        correct: best.indices
          .eq(data.test.targets.narrow(0, start, count))
          .sum()
          .item(),
      };
    }),
  );
}

/** Accuracy on the first `size` test images, in chunks so 'stop' can get in; the grid's predictions. */
async function evaluate(model, size, onChunk) {
  model.eval();
  let correct = 0;
  let grid = null;
  const chunk = 500;
  for (let start = 0; start < size; start += chunk) {
    const p = predict(model, start, Math.min(chunk, size - start));
    correct += p.correct;
    if (start === 0) grid = { classes: p.classes.slice(0, GRID), probs: p.probs.slice(0, GRID) };
    onChunk?.(start + chunk);
    await yieldToEvents();
  }
  model.train();
  return { correct, total: size, accuracy: correct / size, grid };
}

async function postEval(r, size) {
  const e = await evaluate(r.model, size);
  post({ type: 'eval', step: r.step, epoch: r.epoch, ...e });
}

async function train(opts) {
  if (running) return;
  if (!run || run.kind !== opts.model) {
    disposeRun();
    run = newRun(opts.model, opts.seed);
  }
  const r = run;
  const perEpoch = r.loader.length;
  // `steps` more from here, or on to the end of the recipe's epochs.
  const maxSteps = opts.maxSteps > 0 ? r.step + opts.maxSteps : RECIPES[r.kind].epochs * perEpoch;
  running = true;
  post({ type: 'running', model: r.kind, step: r.step, maxSteps, perEpoch });
  if (r.step === 0) await postEval(r, evalSize);
  let points = [];
  let lastPost = performance.now();
  // Throughput of the training steps alone (evaluations and waits excluded), since this Start.
  let stepMs = 0;
  let samples = 0;
  try {
    while (running && r.step < maxSteps) {
      const t0 = performance.now();
      const [loss, correct, size] = trainStep(r);
      const now = performance.now();
      stepMs += now - t0;
      samples += size;
      points.push([r.step, loss, correct / size]);
      if (now - lastPost > 100 || r.step === maxSteps) {
        const rate = (1000 * samples) / stepMs;
        post({ type: 'progress', points, step: r.step, epoch: r.epoch, maxSteps, perEpoch, samplesPerSecond: rate });
        points = [];
        lastPost = now;
      }
      if (r.step % opts.evalEvery === 0 || r.step === maxSteps) await postEval(r, evalSize);
      await yieldToEvents();
    }
  } finally {
    running = false;
    if (points.length) post({ type: 'progress', points, step: r.step, epoch: r.epoch, maxSteps, perEpoch, samplesPerSecond: 0 });
    // helperParts: parts of matrix products the helper threads computed so far (an internal counter
    // of the pool, shown to the page's test as proof that threads really ran).
    post({
      type: 'stopped',
      step: r.step,
      finished: r.step >= maxSteps,
      memory: torch.memory(),
      helperParts: torch._threads.helperParts(),
    });
  }
}

/** Which recipe a state dict belongs to, from its keys and shapes (PyTorch's files have the same). */
function recipeOf(tensors) {
  const w0 = tensors['0.weight'];
  if (w0 && w0.shape.length === 4) return 'cnn';
  if (tensors['1.weight']?.shape.join('x') === '256x784') return 'mlp';
  const keys = Object.entries(tensors).map(([k, t]) => `${k} [${t.shape.join(', ')}]`);
  throw new Error(`these weights fit neither recipe (MLP: 1.weight [256, 784]...; CNN: 0.weight [16, 1, 5, 5]...): ${keys.join(', ')}`);
}

async function loadWeights(bytes, name) {
  const tensors = torch.safetensors.load(new Uint8Array(bytes));
  try {
    const r = newRun(recipeOf(tensors), 0);
    try {
      r.model.loadStateDict(tensors);
    } catch (e) {
      release(r); // the current model stays
      throw e;
    }
    disposeRun();
    run = r;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  const total = data.test.data.shape[0];
  status(`evaluating ${name} on the ${total.toLocaleString('en')} test images…`);
  const e = await evaluate(run.model, total, (done) => status(`evaluating ${name}: ${Math.min(done, total)} / ${total}`));
  post({ type: 'loaded', name, model: run.kind, ...e, memory: torch.memory() });
}

async function init(msg) {
  evalSize = msg.evalSize;
  status('loading the WebAssembly core…');
  await torch.init();
  status(`loading Fashion-MNIST from ${msg.dataBase}…`);
  const t0 = performance.now();
  const normalize = { mean: MEAN, std: STD };
  const train = await torch.datasets.FashionMNIST.load(msg.dataBase, { train: true, normalize });
  status(`loading the test images from ${msg.dataBase}…`);
  const test = await torch.datasets.FashionMNIST.load(msg.dataBase, { train: false, normalize });
  data = { train, test };
  // The grid's images back in [0, 255] (computed in the core; the page only paints them).
  const pixels = torch.scope(() => data.test.data.narrow(0, 0, GRID).mul(STD).add(MEAN).mul(255).contiguous().toArray());
  post({
    type: 'ready',
    nTrain: data.train.length,
    nTest: data.test.length,
    classes: data.train.classes,
    seconds: (performance.now() - t0) / 1000,
    memory: torch.memory(),
    threads: torch.getNumThreads(),
    isolated: self.crossOriginIsolated === true,
    grid: { pixels, labels: Array.from(data.test.targets.narrow(0, 0, GRID).toArray(), Number) },
  });
}

const handlers = {
  init,
  start: (msg) => train(msg),
  stop: () => {
    running = false;
  },
  reset: () => {
    if (running) throw new Error('stop training before a reset');
    disposeRun();
  },
  save: () => {
    if (!run) throw new Error('no model yet: start training or load weights first');
    const bytes = torch.scope(() => torch.safetensors.save(run.model.stateDict(), { metadata: { format: 'pt' } }));
    post({ type: 'weights', bytes, name: `fashion-mnist-${run.kind}-step${run.step}.safetensors` }, [bytes.buffer]);
  },
  load: async (msg) => {
    if (running) throw new Error('stop training before loading weights');
    await loadWeights(msg.bytes, msg.name);
  },
};

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    await handlers[msg.type](msg);
  } catch (e) {
    const named = e?.name && e.name !== 'Error' ? `${e.name}: ` : '';
    post({ type: 'error', during: msg.type, message: `${named}${e?.message ?? e}` });
  }
};
