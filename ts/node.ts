/// <reference types="node" />
// `asgrad/node`: what needs Node's file system, kept out of the main entry so that bundles for
// pages and workers never import node:fs. The same library as `asgrad` (this module imports it),
// so tensors pass freely between the two.
import { readFileSync, writeFileSync } from 'node:fs';
import { torch } from './index.js';
import type { NamedTensors, SaveOptions } from './safetensors.js';
import type { Tensor } from './tensor.js';

/** Writes `tensors` to `path` as a safetensors file (`torch.safetensors.save`'s bytes). */
export function saveFile(path: string | URL, tensors: NamedTensors, opts?: SaveOptions): void {
  writeFileSync(path, torch.safetensors.save(tensors, opts));
}

/** Reads the safetensors file at `path` (`torch.safetensors.load` of its bytes). */
export function loadFile(path: string | URL): Record<string, Tensor> {
  return torch.safetensors.load(readFileSync(path));
}

/** safetensors files on disk: `saveFile(path, tensors)` and `loadFile(path)` (Hugging Face's `safetensors.torch.save_file` / `load_file`). */
export const safetensors = { saveFile, loadFile } as const;
