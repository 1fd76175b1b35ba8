// Scalar math for the learning-rate schedulers (torch.optim.lrScheduler), which PyTorch computes
// with Python floats: cos (CosineAnnealing*, OneCycleLR), C's pow (gamma ** n) and log (the epoch
// of CosineAnnealingWarmRestarts). Computed here, not with the host's Math, so every runtime gives
// the same bits.
import { tcos, tlog, tpow } from "./math";

export function sched_cos(x: f64): f64 {
  return tcos<f64>(x);
}

export function sched_pow(x: f64, y: f64): f64 {
  return tpow<f64>(x, y);
}

export function sched_log(x: f64): f64 {
  return tlog<f64>(x);
}
