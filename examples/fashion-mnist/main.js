// The page's thread: controls, plots (uPlot) and the grid of test images. It holds no tensor: the
// worker (worker.js) loads the data and trains, and posts what there is to draw.
import uPlot from '../../node_modules/uplot/dist/uPlot.esm.js';

const params = new URLSearchParams(location.search);
let CLASSES = []; // the data set's class names, from the worker
const $ = (id) => document.getElementById(id);
const intParam = (name, fallback) => {
  const v = Number(params.get(name));
  return params.has(name) && Number.isInteger(v) && v >= 0 ? v : fallback;
};
const dataBase = new URL(params.get('data') ?? '/data/fashion-mnist/', location.href);
if (!dataBase.pathname.endsWith('/')) dataBase.pathname += '/';
const config = {
  maxSteps: intParam('steps', 0), // 0: the recipe's epochs
  evalEvery: Math.max(1, intParam('evalEvery', 100)),
  evalSize: Math.max(1, intParam('evalSize', 1000)),
};
if (params.get('model') === 'cnn' || params.get('model') === 'mlp') $('model').value = params.get('model');
$('seed').value = String(intParam('seed', 0));

/** What the page shows, also read by tests/fashion-mnist-page.test.ts. */
const state = {
  phase: 'loading', // loading | ready | running | stopped | error
  step: 0,
  frames: 0, // requestAnimationFrame callbacks so far: advances only while the page's thread is free
  inputs: 0, // handled clicks on the log-scale box
  inputDelayMs: null, // the last one's wait for the page's thread
  evals: [], // { step, accuracy } of every test evaluation
  loss: { x: [], batch: [], mean: [] },
  acc: { x: [], train: [], test: [] },
  recent: [], // the last 50 batches: [loss, accuracy]
  threads: null, // torch.getNumThreads() in the worker
  helperParts: 0, // parts of products the worker's helper threads computed, at the last stop
  lastLoad: null,
};
window.fashionMnist = state;

function setPhase(phase) {
  state.phase = phase;
  document.body.dataset.phase = phase;
  const idle = phase === 'ready' || phase === 'stopped';
  $('start').disabled = !idle;
  $('stop').disabled = phase !== 'running';
  $('reset').disabled = !idle;
  $('load').disabled = !idle;
  $('load-pytorch').disabled = !idle;
  $('model').disabled = phase === 'running';
  $('seed').disabled = phase === 'running';
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

// ---- plots ---------------------------------------------------------------------------------------

// Whole steps only on the x axis.
const STEP_TICKS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000];
const chartWidth = () => Math.max(320, Math.min(500, (document.body.clientWidth - 20) / 2));

function lossChart() {
  const opts = {
    width: chartWidth(),
    height: 240,
    scales: { x: { time: false }, y: { distr: $('logscale').checked ? 3 : 1 } },
    series: [
      { label: 'step' },
      { label: 'batch loss', stroke: '#9bc', width: 1, points: { show: false } },
      { label: 'mean of 50', stroke: '#c33', width: 2, points: { show: false } },
    ],
    axes: [{ label: 'step', incrs: STEP_TICKS }, { size: 50 }],
  };
  return new uPlot(opts, [state.loss.x, state.loss.batch, state.loss.mean], $('loss-chart'));
}

let charts = {
  loss: lossChart(),
  acc: new uPlot(
    {
      width: chartWidth(),
      height: 240,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      series: [
        { label: 'step' },
        { label: 'train (mean of 50 batches) %', stroke: '#69c', width: 1, points: { show: false } },
        { label: 'test %', stroke: '#2a2', width: 2, spanGaps: true, points: { show: true, size: 6 } },
      ],
      axes: [{ label: 'step', incrs: STEP_TICKS }, { size: 50 }],
    },
    [state.acc.x, state.acc.train, state.acc.test],
    $('accuracy-chart'),
  ),
};

let dirty = false;
function redraw() {
  if (!dirty) return;
  dirty = false;
  charts.loss.setData([state.loss.x, state.loss.batch, state.loss.mean]);
  charts.acc.setData([state.acc.x, state.acc.train, state.acc.test]);
}

$('logscale').addEventListener('change', (event) => {
  state.inputs += 1;
  // How long the input waited for the page's thread (event.timeStamp: when the browser made the event).
  state.inputDelayMs = performance.now() - event.timeStamp;
  document.body.dataset.inputs = String(state.inputs);
  charts.loss.destroy();
  charts = { ...charts, loss: lossChart() };
});

function clearPlots() {
  for (const a of [...Object.values(state.loss), ...Object.values(state.acc)]) a.length = 0;
  state.recent.length = 0;
  state.evals.length = 0;
  dirty = true;
}

// ---- the grid of test images -------------------------------------------------------------------

const cells = [];
function buildGrid({ pixels, labels }) {
  const grid = $('grid');
  grid.replaceChildren();
  cells.length = 0;
  labels.forEach((label, i) => {
    const cell = document.createElement('div');
    cell.className = 'cell';
    const canvas = document.createElement('canvas');
    canvas.width = 28;
    canvas.height = 28;
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      // Fashion-MNIST stores ink as high values: paint it dark on white.
      const v = 255 - pixels[i * 784 + p];
      img.data.set([v, v, v, 255], 4 * p);
    }
    ctx.putImageData(img, 0, 0);
    const pred = document.createElement('div');
    pred.className = 'pred';
    pred.textContent = '?';
    const truth = document.createElement('div');
    truth.className = 'true';
    truth.textContent = CLASSES[label];
    cell.append(canvas, pred, truth);
    grid.append(cell);
    cells.push({ cell, pred, label });
  });
}

function showPredictions(grid) {
  grid.classes.forEach((c, i) => {
    const { cell, pred, label } = cells[i];
    pred.textContent = `${CLASSES[c]} (${Math.round(100 * grid.probs[i])}%)`;
    cell.classList.toggle('wrong', c !== label);
    cell.title = c === label ? 'right' : `wrong: predicted ${CLASSES[c]}, is ${CLASSES[label]}`;
  });
}

// ---- the worker ----------------------------------------------------------------------------------

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (msg, transfer) => worker.postMessage(msg, transfer ?? []);

const pct = (x) => `${(100 * x).toFixed(2)}%`;

function onProgress(msg) {
  for (const [step, loss, acc] of msg.points) {
    state.recent.push([loss, acc]);
    if (state.recent.length > 50) state.recent.shift();
    const mean = (k) => state.recent.reduce((s, r) => s + r[k], 0) / state.recent.length;
    state.loss.x.push(step);
    state.loss.batch.push(loss);
    state.loss.mean.push(mean(0));
    state.acc.x.push(step);
    state.acc.train.push(100 * mean(1));
    state.acc.test.push(null);
  }
  state.step = msg.step;
  document.body.dataset.step = String(msg.step);
  $('step').textContent = String(msg.step);
  $('step-of').textContent = ` / ${msg.maxSteps}`;
  $('epoch').textContent = `${msg.epoch} (${msg.perEpoch} steps each)`;
  $('loss').textContent = state.loss.mean.length ? state.loss.mean[state.loss.mean.length - 1].toFixed(4) : '–';
  if (msg.samplesPerSecond > 0) $('rate').textContent = Math.round(msg.samplesPerSecond).toLocaleString('en');
  dirty = true;
}

function onEval(msg) {
  state.evals.push({ step: msg.step, accuracy: msg.accuracy });
  document.body.dataset.accuracy = String(msg.accuracy);
  document.body.dataset.evals = String(state.evals.length);
  const n = state.acc.x.length;
  if (n && state.acc.x[n - 1] === msg.step) state.acc.test[n - 1] = 100 * msg.accuracy;
  else {
    state.acc.x.push(msg.step);
    state.acc.train.push(null);
    state.acc.test.push(100 * msg.accuracy);
  }
  $('accuracy').textContent = pct(msg.accuracy);
  $('accuracy-of').textContent = `(first ${msg.total.toLocaleString('en')} test images, step ${msg.step})`;
  showPredictions(msg.grid);
  dirty = true;
}

/** The worker's WebAssembly memory: flat while training, unless tensors leak. */
function showMemory(m) {
  if (!m) return;
  $('memory').textContent = `${(m.allocatedBytes / 2 ** 20).toFixed(0)} MiB in ${m.liveTensors} tensors`;
  document.body.dataset.liveTensors = String(m.liveTensors);
}

const handlers = {
  status: (msg) => setStatus(msg.text),
  ready: (msg) => {
    CLASSES = msg.classes;
    buildGrid(msg.grid);
    showMemory(msg.memory);
    state.threads = msg.threads;
    document.body.dataset.threads = String(msg.threads);
    $('threads').textContent = String(msg.threads);
    if (!msg.isolated) $('threads').title = 'one thread: the page is not cross-origin isolated (its server must send COOP and COEP)';
    setStatus(
      `${msg.nTrain.toLocaleString('en')} training and ${msg.nTest.toLocaleString('en')} test images loaded from ${dataBase.href} ` +
        `in ${msg.seconds.toFixed(1)} s.`,
    );
    setPhase('ready');
    if (params.get('autostart') === '1') start();
  },
  running: (msg) => {
    setPhase('running');
    setStatus(`training the ${msg.model.toUpperCase()}…`);
  },
  progress: onProgress,
  eval: onEval,
  stopped: (msg) => {
    showMemory(msg.memory);
    state.helperParts = msg.helperParts;
    setPhase('stopped');
    setStatus(`${msg.finished ? 'finished' : 'stopped'} at step ${msg.step}.`);
    redraw();
  },
  weights: (msg) => {
    // torch.safetensors.download needs a document, which the worker has not: the bytes come here.
    const url = URL.createObjectURL(new Blob([msg.bytes], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = msg.name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    setStatus(`saved ${msg.name} (${msg.bytes.length.toLocaleString('en')} bytes).`);
  },
  loaded: (msg) => {
    clearPlots();
    $('model').value = msg.model;
    $('step').textContent = '0';
    $('accuracy').textContent = pct(msg.accuracy);
    $('accuracy-of').textContent = `(all ${msg.total.toLocaleString('en')} test images)`;
    const ref = state.lastLoad?.reference;
    const versus = ref
      ? ` PyTorch ${ref.torch} gets ${ref.correct} / ${ref.test_images} (${ref.accuracy.toFixed(2)}%) with these weights.`
      : '';
    setStatus(
      `${msg.model.toUpperCase()} loaded from ${msg.name}: ${msg.correct} / ${msg.total} test images right (${pct(msg.accuracy)}).${versus}`,
    );
    state.lastLoad = { ...state.lastLoad, ...msg };
    showMemory(msg.memory);
    document.body.dataset.loadedCorrect = String(msg.correct);
    showPredictions(msg.grid);
    setPhase('stopped');
    dirty = true;
  },
  error: (msg) => {
    setStatus(`error (${msg.during}): ${msg.message}`, true);
    document.body.dataset.error = msg.message;
    setPhase(msg.during === 'init' ? 'error' : state.phase === 'running' || state.phase === 'loading' ? 'stopped' : state.phase);
  },
};
worker.onmessage = (event) => handlers[event.data.type](event.data);
worker.onerror = (event) => {
  setStatus(`the worker failed: ${event.message}`, true);
  setPhase('error');
};

function start() {
  send({ type: 'start', model: $('model').value, seed: Number($('seed').value) || 0, ...config });
}

$('start').addEventListener('click', start);
$('stop').addEventListener('click', () => send({ type: 'stop' }));
function reset() {
  send({ type: 'reset' });
  clearPlots();
  state.step = 0;
  $('step').textContent = '0';
  $('accuracy').textContent = '–';
  setStatus('reset: Start trains a new model.');
}
$('reset').addEventListener('click', reset);
// Another recipe or seed starts from scratch; Start after Stop resumes the same model.
for (const id of ['model', 'seed']) $(id).addEventListener('change', reset);
$('download').addEventListener('click', () => send({ type: 'save' }));

async function loadBytes(name, bytes, reference = null) {
  state.lastLoad = { name, reference };
  setPhase('loading');
  send({ type: 'load', name, bytes }, [bytes]);
}
$('load').addEventListener('change', async () => {
  const file = $('load').files[0];
  if (file) await loadBytes(file.name, await file.arrayBuffer());
  $('load').value = '';
});
$('load-pytorch').addEventListener('click', async () => {
  const [weights, info] = await Promise.all([fetch('./pytorch-mlp.safetensors'), fetch('./pytorch-mlp.json')]);
  if (!weights.ok || !info.ok) return setStatus(`could not fetch pytorch-mlp.safetensors / .json (HTTP ${weights.status})`, true);
  await loadBytes('pytorch-mlp.safetensors', await weights.arrayBuffer(), await info.json());
});

// ---- frames: a live measure of the page's responsiveness ---------------------------------------

let lastSecond = performance.now();
let framesAtLastSecond = 0;
function frame(now) {
  state.frames += 1;
  redraw();
  if (now - lastSecond >= 1000) {
    $('fps').textContent = String(Math.round((1000 * (state.frames - framesAtLastSecond)) / (now - lastSecond)));
    lastSecond = now;
    framesAtLastSecond = state.frames;
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

setPhase('loading');
$('download').disabled = false;
send({ type: 'init', dataBase: dataBase.href, evalSize: config.evalSize });
