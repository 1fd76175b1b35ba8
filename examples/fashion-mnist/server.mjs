// A static server for the Fashion-MNIST page: `npm run example:fashion-mnist` (after `npm run build`).
//
// It serves what the page loads from the repository (build/asgrad.browser.js, examples/, uPlot from
// node_modules/uplot/dist) and the data set's IDX files under /data/fashion-mnist/ from a folder
// (default /usr/share/datasets/fashion-mnist, Debian's `dataset-fashion-mnist`). Pages cannot load
// modules or workers from file://, hence a server; nothing else is needed. Every response carries
// COOP and COEP, which make the page cross-origin isolated: its training worker can then share its
// WebAssembly memory with helper threads (torch.getNumThreads() > 1 there; docs/platforms.md).
//
//   node examples/fashion-mnist/server.mjs [--port N] [--host H] [--data DIR]
//
// Prints the page's URL as its first line (the test reads it; --port 0 picks a free port).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_DATA = '/usr/share/datasets/fashion-mnist';
const DATA_PREFIX = '/data/fashion-mnist/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.safetensors': 'application/octet-stream',
  '.gz': 'application/gzip',
};

function usage(message) {
  console.error(`${message}\nusage: node examples/fashion-mnist/server.mjs [--port N] [--host H] [--data DIR]`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { port: Number(process.env.PORT ?? 8013), host: '127.0.0.1', data: DEFAULT_DATA };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') usage('Serves the Fashion-MNIST page of asgrad.');
    if (!['--port', '--host', '--data'].includes(flag)) usage(`unknown argument: ${flag}`);
    if (value === undefined) usage(`${flag} needs a value`);
    i++;
    if (flag === '--port') {
      opts.port = Number(value);
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) usage(`--port: not a port number: ${value}`);
    } else if (flag === '--host') opts.host = value;
    else opts.data = resolve(value);
  }
  return opts;
}

/** The file a URL path names, or null when it is outside what this server shares. */
function fileFor(pathname, dataDir) {
  if (pathname.startsWith(DATA_PREFIX)) {
    const path = resolve(dataDir, `.${sep}${pathname.slice(DATA_PREFIX.length)}`);
    return path.startsWith(dataDir + sep) ? path : null;
  }
  const path = resolve(ROOT, `.${pathname}`);
  // Only what the page needs: a typo'd URL gets a 404, not a listing of the checkout.
  const shared = ['build', 'examples', 'docs', join('node_modules', 'uplot', 'dist')].map((d) => join(ROOT, d) + sep);
  return shared.some((d) => path.startsWith(d)) ? path : null;
}

/** Cross-origin isolation: SharedArrayBuffer, hence threads, in the page's workers. */
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(join(ROOT, 'build/asgrad.browser.js'))) {
  console.error('build/asgrad.browser.js is missing: run `npm run build` first');
  process.exit(1);
}
if (!existsSync(opts.data)) {
  console.error(
    `warning: the data folder ${opts.data} does not exist; the page will say the files are missing.\n` +
      '  Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist (installs them in /usr/share/datasets/fashion-mnist),\n' +
      '  or download the four *-ubyte.gz files of https://github.com/zalandoresearch/fashion-mnist into a folder and pass --data DIR',
  );
}

const server = createServer((req, res) => {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  if (pathname === '/' || pathname === '/examples/fashion-mnist') {
    res.writeHead(302, { location: '/examples/fashion-mnist/' }).end();
    return;
  }
  if (pathname.endsWith('/')) pathname += 'index.html';
  const path = fileFor(pathname, opts.data);
  if ((req.method !== 'GET' && req.method !== 'HEAD') || path === null || !existsSync(path) || !statSync(path).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}`);
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
    'content-length': statSync(path).size,
    'cache-control': 'no-cache',
    ...ISOLATED,
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
});

server.on('error', (e) => {
  console.error(e.code === 'EADDRINUSE' ? `port ${opts.port} is in use: pass --port N (or --port 0 for a free one)` : String(e));
  process.exit(1);
});
server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  console.log(`http://${host}:${port}/examples/fashion-mnist/`);
  console.log(`serving ${ROOT} and the data set from ${opts.data} (Ctrl-C stops)`);
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
