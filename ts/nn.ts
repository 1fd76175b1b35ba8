// torch.nn: the functional ops (from the op registry), Module and its machinery (nn/module.ts),
// the layers (nn/layers.ts), the containers (nn/containers.ts), attention and the transformer encoder
// (nn/attention.ts, nn/transformer.ts) and the loss modules (nn/losses.ts).
import { functional as F } from './ops/index.js';

/** torch.nn.functional: derived from the op registry (the entries' `functional` names). */
export const functional = F;

export { Module, Parameter } from './nn/module.js';
export type { RemovableHandle } from './nn/module.js';
export type { ForwardPreHook, ForwardHook, BackwardHook } from './nn/module.js';
export {
  Linear,
  Bilinear,
  Identity,
  Flatten,
  Unflatten,
  ReLU,
  LeakyReLU,
  Tanh,
  Sigmoid,
  Softmax,
  LogSoftmax,
  Dropout,
} from './nn/layers.js';
export {
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  MaxPool1d,
  MaxPool2d,
  AvgPool1d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  MaxUnpool2d,
} from './nn/conv.js';
export type {
  ConvModuleOptions,
  ConvTransposeModuleOptions,
  MaxPoolModuleOptions,
  AvgPoolModuleOptions,
  AvgPool1dModuleOptions,
} from './nn/conv.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, Embedding } from './nn/norm.js';
export type { BatchNormOptions, LayerNormOptions, GroupNormOptions, EmbeddingOptions, FromPretrainedOptions } from './nn/norm.js';
export { GELU, SiLU, ELU, Softplus, Hardtanh } from './nn/activations.js';
export { Sequential, ModuleList, ModuleDict } from './nn/containers.js';
export { MultiheadAttention } from './nn/attention.js';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from './nn/attention.js';
export { TransformerEncoderLayer, TransformerEncoder } from './nn/transformer.js';
export type {
  TransformerEncoderLayerOptions,
  TransformerEncoderLayerForwardOptions,
  TransformerEncoderOptions,
  TransformerEncoderForwardOptions,
} from './nn/transformer.js';
export { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell } from './nn/rnn.js';
export type { RNNOptions, LSTMOptions, ElmanRNNOptions, RNNCellOptions, ElmanRNNCellOptions, LSTMResult, RNNResult } from './nn/rnn.js';
export {
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  CrossEntropyLoss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
  CosineSimilarity,
} from './nn/losses.js';
export type { LossOptions, WeightedLossOptions } from './nn/losses.js';
/** torch.nn.init: in-place initialisers drawing from the seeded generator (nn/init.ts). */
export * as init from './nn/init.js';

/** torch.nn.utils: gradient clipping. */
export * as utils from './nn/utils.js';
