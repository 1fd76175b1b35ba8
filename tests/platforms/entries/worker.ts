// workerd: the .wasm is a module the config provides (workers cannot compile bytes at run time).
import golden from 'asgrad-golden';
import wasm from 'asgrad-wasm-module';
import { torch } from '../../../ts/index.js';
import { computeHashesThreads } from '../hashes.js';

export default {
  async fetch(): Promise<Response> {
    try {
      await torch.init({ module: wasm });
      return new Response(JSON.stringify({ hashes: await computeHashesThreads(golden) }), {
        headers: { 'content-type': 'application/json' },
      });
    } catch (e) {
      return new Response(JSON.stringify({ error: String((e as Error)?.stack ?? e) }), { status: 500 });
    }
  },
};
