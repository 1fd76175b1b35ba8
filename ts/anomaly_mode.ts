// torch.autograd's anomaly detection (PyTorch 1.13's anomaly_mode.py and the engine's checks it
// turns on). While it is on, each node records where the forward made it (a JS stack, captured only
// then: off, a node pays one flag read), and a backward that fails names that place in a warning;
// with checkNan, a node that returns NaN gradients fails with PyTorch's message. The flags are
// rt.anomaly (ts/runtime.ts); the checks themselves run in the engine.
import type { Node } from './autograd.js';
import * as V from './validate.js';
import { rt } from './runtime.js';

const M = rt.anomaly;

/** What anomaly mode keeps on a node: its forward's stack, and the node whose backward made it (createGraph). */
export interface AnomalyTrace {
  readonly stack: string;
  readonly parent: Node | null;
}

/** Options of `detectAnomaly` / `setDetectAnomaly` (PyTorch's `check_nan`). */
export interface AnomalyOptions {
  /** Fail when a node's backward returns NaN (default true). */
  checkNan?: boolean;
}
const DETECT_OPTS = V.optionSpec('detect_anomaly', { checkNan: 'any' });
const SET_OPTS = V.optionSpec('set_detect_anomaly', { checkNan: 'any' });

/** torch.is_anomaly_enabled(). */
export function isAnomalyEnabled(): boolean {
  return M.enabled;
}

/** torch.is_anomaly_check_nan_enabled(). */
export function isAnomalyCheckNanEnabled(): boolean {
  return M.checkNan;
}

function setMode(mode: unknown, checkNan: unknown): void {
  V.bool(mode, 'set_anomaly_enabled', 'enabled', 1);
  V.bool(checkNan, 'set_anomaly_enabled', 'check_nan', 2);
  M.enabled = mode;
  M.checkNan = checkNan;
}

/**
 * torch.autograd.set_detect_anomaly(mode, { checkNan }) called as a function: switches anomaly
 * detection on or off until the next call (PyTorch's context-manager form is `detectAnomaly`).
 */
export function setDetectAnomaly(mode: boolean, opts?: AnomalyOptions): void {
  V.options(SET_OPTS, opts);
  setMode(mode, opts?.checkNan ?? true);
}

/**
 * torch.autograd.detect_anomaly(): runs `fn` with anomaly detection on and returns its result,
 * restoring the previous mode afterwards, also when `fn` throws. Warns, as PyTorch does, that the
 * mode slows things down.
 */
export function detectAnomaly<T>(fn: () => T, opts?: AnomalyOptions): T {
  V.callback(fn, 'detect_anomaly');
  V.options(DETECT_OPTS, opts);
  const checkNan = opts?.checkNan ?? true;
  const prev = M.enabled;
  const prevCheckNan = M.checkNan;
  warn('Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for debugging.');
  setMode(true, checkNan);
  try {
    return fn();
  } finally {
    M.enabled = prev;
    M.checkNan = prevCheckNan;
  }
}

function warn(msg: string): void {
  console.warn(`UserWarning: ${msg}`);
}

/** The file of a stack line ("    at f (file:1:2)" or "    at file:1:2"; Firefox's "f@file:1:2"). */
function fileOf(line: string): string {
  const m = /\(?([^\s()@]+):\d+:\d+\)?\s*$/.exec(line);
  return m ? m[1] : '';
}

/**
 * The stack of the forward call that is making a node, without the library's own frames on top
 * (those in the folder of this file or below it: ts/ when run from sources, the bundle's folder
 * otherwise), so its first line is the caller's.
 */
function forwardStack(): string {
  // V8 keeps 10 frames by default, which the library's own frames can fill (a node made inside a
  // createGraph backward is deep in the engine): raised for this one capture, then restored.
  const limit = Error.stackTraceLimit;
  let text: string;
  if (typeof limit === 'number') {
    Error.stackTraceLimit = 100;
    try {
      text = new Error().stack ?? '';
    } finally {
      Error.stackTraceLimit = limit;
    }
  } else text = new Error().stack ?? '';
  const lines = text.split('\n');
  // V8 and its kin start with the message line ("Error"); Firefox and Safari go straight to frames.
  if (lines.length && !/:\d+:\d+\)?\s*$/.test(lines[0])) lines.shift();
  const self = fileOf(lines[0] ?? '');
  const dir = self.slice(0, self.lastIndexOf('/') + 1);
  let i = 0;
  while (dir && i < lines.length && fileOf(lines[i]).startsWith(dir)) i++;
  return lines.slice(i).join('\n');
}

/** Called by each new node while anomaly mode is on. */
export function anomalyTrace(): AnomalyTrace {
  return { stack: forwardStack(), parent: M.current };
}

/**
 * PyTorch's print_stack: warns where the failing node's forward ran and, for a node a createGraph
 * backward made, where each node whose backward made it ran.
 */
export function warnAnomaly(node: Node): void {
  const trace = node.anomaly;
  if (trace === null) {
    warn(
      `Error detected in ${node.name()}. No forward pass information available. Enable detect anomaly during forward pass for more information.`,
    );
    return;
  }
  warn(`Error detected in ${node.name()}. Traceback of forward call that caused the error:\n${trace.stack}`);
  for (let p = trace.parent; p !== null; p = p.anomaly?.parent ?? null) {
    warn(
      `\n\nPrevious calculation was induced by ${p.name()}. Traceback of forward call that induced the previous calculation:\n${p.anomaly?.stack ?? ''}`,
    );
  }
}

/** PyTorch's message for a node whose backward returned NaN in its `i`th output (an input's gradient). */
export function nanMessage(node: Node, i: number): string {
  return `Function '${node.name()}' returned nan values in its ${i}th output.`;
}
