// Global grad mode, as torch.is_grad_enabled() (the flag is rt.grad.enabled: ts/runtime.ts).
// Synchronous only: a mode switched inside an async function would leak into whatever else runs
// while it awaits.
import { rt } from './runtime.js';

const G = rt.grad;

/** Whether gradient tracking is on (PyTorch's `torch.is_grad_enabled()`). */
export function isGradEnabled(): boolean {
  return G.enabled;
}

export function setGradEnabled(on: boolean): void {
  G.enabled = on;
}

export function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = G.enabled;
  G.enabled = on;
  try {
    return fn();
  } finally {
    G.enabled = prev;
  }
}

/** Runs `fn` with gradient tracking disabled (torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient tracking enabled (torch.enable_grad()). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
