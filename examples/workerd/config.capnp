# workerd configuration for the example worker. Build first (`npm run build` bundles the worker into
# build/examples/workerd/ with asgrad.wasm beside it), then from the repository root:
#   npx workerd serve examples/workerd/config.capnp
#   curl 'http://127.0.0.1:8787/?x=1.5'
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "../../build/examples/workerd/worker.js"),
    # The name the bundled worker imports; a compiled WebAssembly.Module, as Cloudflare provides it.
    (name = "asgrad.wasm", wasm = embed "../../build/examples/workerd/asgrad.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
