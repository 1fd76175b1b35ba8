// examples/browser in headless Chromium: the seed's first program runs in the page and prints what
// PyTorch prints (../shared/seed/expected/01_chain_rule.txt), and the SVG of `z.mean()` drawn next
// to it has PyTorch's graph: the boxes and edges of tests/pytorch/graph.json's `seed` case (walked
// from PyTorch's own grad_fn chain), laid out top to bottom, each label inside its box as the
// browser renders it. The page (program, printout, graph) is saved as docs/graph.png, the picture
// the README shows. And a bigger graph drawn in the page is the same SVG text as in Node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../shared.js';
import { ROOT, startContext, withChromium, type Context } from './harness.js';
import { torch } from '../../ts/index.js';

interface RefGraph {
  nodes: { label: string[]; fill: string | null }[];
  edges: (number | string)[][];
}
const REF = (
  JSON.parse(readFileSync(join(ROOT, 'tests/pytorch/graph.json'), 'utf8')) as { cases: (RefGraph & { name: string })[] }
).cases.find((c) => c.name === 'seed') as RefGraph;

/** A graph with a bit of everything the layout handles (shared nodes, saved tensors, long edges), run in Node and in the page. */
const PROGRAM = `
  const a = torch.ones([2, 2], { requiresGrad: true });
  const b = a.mul(2);
  const r = b.exp().mul(b.sin()).add(b).div(a);
  const lin = new torch.nn.Linear(2, 3);
  const out = lin.call(r).tanh().sum();
  return torch.autograd.graph.toSvg(out, { params: [['a', a], ...lin.namedParameters()], showSaved: true });`;

interface PageGraph {
  printout: string;
  nodes: { id: number; title: string; box: { x: number; y: number; width: number; height: number }; textWidths: number[] }[];
  edges: { tail: number; head: number; arrow: boolean }[];
  /** The linear regression below it on the page. */
  losses: number[];
}

describe('examples/browser in Chromium: the seed walkthrough and its graph', () => {
  let ctx: Context;
  beforeAll(async () => {
    ctx = await startContext();
  }, 120_000);
  afterAll(async () => ctx?.close());

  it('prints what PyTorch prints and draws PyTorch’s graph of z; saves docs/graph.png', async () => {
    const got = await withChromium(ctx, async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${ctx.base}/examples/browser/index.html`);
      await page
        .waitForFunction(() => document.body.dataset.done === 'true' && document.body.dataset.graph === 'true', undefined, {
          timeout: 60_000,
        })
        .catch(() => {
          throw new Error(`the page did not finish: ${errors.join('; ')}`);
        });
      // A string, not a function: the code runs in the page as written (no transform by vitest).
      const read = (await page.evaluate(`(() => {
        const svg = document.querySelector('#graph svg');
        const nodes = [...svg.querySelectorAll('g.node')].map((g) => {
          // In the SVG's own units (the page draws it scaled).
          const r = g.querySelector('rect').getBBox();
          return {
            id: Number(g.dataset.id),
            title: g.querySelector('title').textContent,
            box: { x: r.x, y: r.y, width: r.width, height: r.height },
            textWidths: [...g.querySelectorAll('text')].map((t) => t.getComputedTextLength()),
          };
        });
        const edges = [...svg.querySelectorAll('g.edge')].map((g) => ({
          tail: Number(g.dataset.tail),
          head: Number(g.dataset.head),
          arrow: g.querySelector('polygon') !== null,
        }));
        const losses = [...document.querySelectorAll('#losses li')].map((li) => Number(li.dataset.loss));
        return { printout: document.getElementById('printout').textContent, nodes, edges, losses };
      })()`)) as PageGraph;
      const svg = (await page.evaluate(`(async () => {
        const { torch } = await import('${ctx.base}/build/asgrad.browser.js');
        return (() => {${PROGRAM}})();
      })()`)) as string;
      await page.locator('#seed').screenshot({ path: join(ROOT, 'docs/graph.png') });
      expect(errors).toEqual([]);
      return { ...read, svg };
    });

    expect(got.printout).toBe(readFileSync(shared('seed', 'expected', '01_chain_rule.txt'), 'utf8').trimEnd());

    // PyTorch's graph: MeanBackward0 <- MulBackward0 <- MulBackward0 <= AddBackward0 (y used twice) <- AccumulateGrad <- x.
    const titles = REF.nodes.map((n) =>
      n.label
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .join(' '),
    );
    expect(titles).toEqual(['()', 'MeanBackward0', 'MulBackward0', 'MulBackward0', 'AddBackward0', 'AccumulateGrad', 'x (3)']);
    const nodes = [...got.nodes].sort((a, b) => a.id - b.id);
    expect(nodes.map((n) => n.title)).toEqual(titles);
    expect(got.edges.map((e) => [e.tail, e.head])).toEqual(REF.edges);
    expect(got.edges.every((e) => e.arrow)).toBe(true);

    // As rendered: a chain from x at the top to the output at the bottom, every label inside its box.
    const ys = nodes.map((n) => n.box.y);
    for (const e of got.edges) {
      const [t, h] = [nodes[e.tail].box, nodes[e.head].box];
      expect(t.y + t.height).toBeLessThan(h.y);
    }
    expect(Math.min(...ys)).toBe(nodes[6].box.y);
    expect(Math.max(...ys)).toBe(nodes[0].box.y);
    for (const n of nodes) for (const w of n.textWidths) expect(w, n.title).toBeLessThanOrEqual(n.box.width - 4);
    // The same SVG, character for character, as Node draws.
    expect(got.svg).toBe(new Function('torch', PROGRAM)(torch) as string);
    // The page's other program still trains (as tests/platforms/harness.ts's example check wants).
    expect(got.losses.length).toBeGreaterThan(2);
    expect(got.losses.at(-1)).toBeLessThan((got.losses[0] as number) * 1e-3);
  }, 180_000);
});
