// torch.optim: the Optimizer base (./optim/optimizer.ts) and the optimizers (./optim/optimizers.ts).
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optim/optimizer.js';
export {
  Adadelta,
  type AdadeltaOptions,
  Adagrad,
  type AdagradOptions,
  Adam,
  type AdamOptions,
  Adamax,
  type AdamaxOptions,
  AdamW,
  type AdamWOptions,
  NAdam,
  type NAdamOptions,
  RAdam,
  type RAdamOptions,
  RMSprop,
  type RMSpropOptions,
  SGD,
  type SGDOptions,
} from './optim/optimizers.js';

/** torch.optim.lr_scheduler, as torch.optim.lrScheduler. */
export * as lrScheduler from './optim/lr_scheduler.js';
