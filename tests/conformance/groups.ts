// The group files of ../shared/golden-train that are not plain format-1 programs, each read by its
// own runner (`npm run conformance -- --dir ../shared/golden-train` runs them all; safetensors is
// read by the runner itself, from its folder).
import type { GroupFile, GroupLoader } from './runner.js';
import { runModuleCase, type ModuleCase } from './modules.js';
import { runInitItem, type InitItem } from './init.js';
import { runOptimCase, type OptimCase } from './optim.js';
import { runTrainingTrace, type TrainingTrace } from './training.js';
import { runAutogradCase, type AutogradCase } from './autograd.js';

const items = <X>(file: string, kind: GroupFile['kind'], list: unknown, run: (x: X) => { name: string; ok: boolean }): GroupFile => {
  const xs = Array.isArray(list) ? (list as X[]) : [];
  return { file, kind, items: xs.map((x) => ({ name: (x as { name: string }).name, run: () => run(x) })) };
};

export const GROUPS: Record<string, GroupLoader> = {
  modules: (file, d) => items<ModuleCase>(file, 'modules', d.cases, runModuleCase),
  init: (file, d) => items<InitItem>(file, 'init', d.items, runInitItem),
  optim: (file, d) => items<OptimCase>(file, 'optim', d.cases, runOptimCase),
  training: (file, d) => items<TrainingTrace>(file, 'training', d.traces, runTrainingTrace),
  autograd: (file, d) => items<AutogradCase>(file, 'autograd', d.cases, runAutogradCase),
};
