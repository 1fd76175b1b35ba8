// The Fashion-MNIST recipes of issue 13, host-agnostic (no node: import): the models (exactly the
// issue's nn.Sequential, so state-dict keys are PyTorch's `1.weight`, `3.bias`...), the optimizer
// defaults, one training epoch and the test accuracy. The CLI (main.ts) drives them.
import { type Tensor, torch } from '../ts/index.js';

export type ModelName = 'mlp' | 'cnn';
export type OptimizerName = 'sgd' | 'adam';

/** torchvision-style normalisation the recipes use (Fashion-MNIST's mean and std). */
export const NORMALIZE = { mean: 0.286, std: 0.353 } as const;

export interface Recipe {
  optimizer: OptimizerName;
  lr: number;
  epochs: number;
  batchSize: number;
}

/** The recipes: MLP with SGD(0.01, momentum 0.9) for 5 epochs, CNN with Adam(1e-3) for 1; batch 64. */
export const RECIPES: Readonly<Record<ModelName, Recipe>> = {
  mlp: { optimizer: 'sgd', lr: 0.01, epochs: 5, batchSize: 64 },
  cnn: { optimizer: 'adam', lr: 1e-3, epochs: 1, batchSize: 64 },
};

type Model = InstanceType<typeof torch.nn.Sequential>;

export function buildModel(name: ModelName): Model {
  const nn = torch.nn;
  if (name === 'mlp') return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(1568, 10),
  );
}

type Optim = InstanceType<typeof torch.optim.Optimizer>;

/** SGD takes momentum 0.9 as the MLP recipe does; Adam its defaults. */
export function buildOptimizer(name: OptimizerName, model: Model, lr: number): Optim {
  const params = model.parameters();
  return name === 'sgd' ? new torch.optim.SGD(params, { lr, momentum: 0.9 }) : new torch.optim.Adam(params, { lr });
}

export interface StepReport {
  /** Batches done in this epoch and their number. */
  step: number;
  steps: number;
  /** Samples done in this epoch. */
  samples: number;
  /** Mean loss over the epoch so far. */
  meanLoss: number;
}

/**
 * One epoch over `loader` (batches `[x, y]`), PyTorch's loop: zero_grad, forward, cross-entropy,
 * backward, step. Returns the mean loss; `onStep` sees the progress after every batch.
 */
export function trainEpoch(
  model: Model,
  opt: Optim,
  loader: Iterable<unknown> & { readonly length: number },
  onStep?: (r: StepReport) => void,
): number {
  const lossFn = new torch.nn.CrossEntropyLoss();
  model.train();
  const steps = loader.length;
  let total = 0;
  let step = 0;
  let samples = 0;
  for (const batch of loader as Iterable<[Tensor, Tensor]>) {
    const [x, y] = batch;
    // The graph and every temporary of the step are released at the end of the scope; the
    // parameters, their gradients and the optimizer's state are kept by the library.
    const loss = torch.scope(() => {
      opt.zeroGrad();
      const l = lossFn(model(x), y);
      l.backward();
      opt.step();
      return l.item();
    });
    samples += x.shape[0];
    x.dispose();
    y.dispose();
    total += loss;
    step++;
    onStep?.({ step, steps, samples, meanLoss: total / step });
  }
  return total / Math.max(step, 1);
}

/** Correct predictions (argmax of the logits) over a dataset's `data` / `targets`, by chunks. */
export function evaluate(model: Model, data: Tensor, targets: Tensor, chunk = 1000): number {
  model.eval();
  const n = data.shape[0];
  let correct = 0;
  torch.noGrad(() => {
    for (let i = 0; i < n; i += chunk) {
      const len = Math.min(chunk, n - i);
      correct += torch.scope(() =>
        model(data.narrow(0, i, len))
          .argmax(1)
          .eq(targets.narrow(0, i, len))
          .sum()
          .item(),
      );
    }
  });
  model.train();
  return correct;
}
