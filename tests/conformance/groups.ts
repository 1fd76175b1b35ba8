// The group files of ../shared/golden-train that are not format-1 programs, each read by its own
// runner. A group listed here without a runner yet fails item by item with the issue that brings
// it, so `npm run conformance -- --dir ../shared/golden-train` counts it instead of misreading it.
import { failingGroup, type GroupFile, type GroupLoader, type Obj } from './runner.js';
import { runModuleCase, type ModuleCase } from './modules.js';
import { runInitItem, type InitItem } from './init.js';
import { runOptimCase, type OptimCase } from './optim.js';
import { runTrainingTrace, type TrainingTrace } from './training.js';

const items = <X>(file: string, kind: GroupFile['kind'], list: unknown, run: (x: X) => { name: string; ok: boolean }): GroupFile => {
  const xs = Array.isArray(list) ? (list as X[]) : [];
  return { file, kind, items: xs.map((x) => ({ name: (x as { name: string }).name, run: () => run(x) })) };
};

const later =
  (key: string, issue: number): GroupLoader =>
  (file: string, d: Obj) =>
    failingGroup(file, Array.isArray(d[key]) ? (d[key] as unknown[]) : [d], `no runner for this group yet (issue ${issue})`);

export const GROUPS: Record<string, GroupLoader> = {
  modules: (file, d) => items<ModuleCase>(file, 'modules', d.cases, runModuleCase),
  init: (file, d) => items<InitItem>(file, 'init', d.items, runInitItem),
  optim: (file, d) => items<OptimCase>(file, 'optim', d.cases, runOptimCase),
  training: (file, d) => items<TrainingTrace>(file, 'training', d.traces, runTrainingTrace),
  autograd: later('cases', 12),
};
