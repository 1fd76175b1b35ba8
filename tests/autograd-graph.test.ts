// torch.autograd.graph.toDot / toSvg (ts/autograd_graph.ts). The graphs are checked against
// PyTorch 1.13's own: tests/pytorch/graph.py walked grad_fn / next_functions / variable / _base as
// torchviz's make_dot does and wrote tests/pytorch/graph.json (node labels, colours, edges in
// make_dot's numbering); the same programs run here and toDot's text must describe the same graph.
// Beyond that: the graph against an independent walk of gradFn.nextFunctions, params and shapes in
// the labels, saved tensors, shared and multi-output nodes, the SVG's structure and geometry, and
// the argument errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';

type Ctx = InstanceType<typeof torch.autograd.FunctionCtx>;
const { toDot, toSvg } = torch.autograd.graph;

interface RefGraph {
  nodes: { label: string[]; fill: string | null }[];
  edges: (number | string)[][];
}
const REF = JSON.parse(readFileSync(new URL('./pytorch/graph.json', import.meta.url), 'utf8')) as {
  cases: (RefGraph & { name: string })[];
};

/** toDot's text read back: nodes by number (label lines, fill colour), edges in order ([tail, head] or [tail, head, style]). */
function parseDot(dot: string): RefGraph & { attrs: string[] } {
  const nodes: RefGraph['nodes'] = [];
  const edges: RefGraph['edges'] = [];
  const attrs: string[] = [];
  const lines = dot.split('\n');
  expect(lines[0]).toBe('digraph {');
  expect(lines.at(-2)).toBe('}');
  for (const line of lines.slice(1, -2)) {
    const node = /^\t(\d+) \[label="((?:[^"\\]|\\.)*)"(?: fillcolor=(\w+))?\]$/.exec(line);
    const edge = /^\t(\d+) -> (\d+)(?: \[(?:dir=(none)|style=(dotted))\])?$/.exec(line);
    if (node) {
      const label = node[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      nodes[Number(node[1])] = { label: label.split('\n'), fill: node[3] ?? null };
    } else if (edge) {
      const style = edge[3] ?? edge[4];
      edges.push(style ? [Number(edge[1]), Number(edge[2]), style] : [Number(edge[1]), Number(edge[2])]);
    } else attrs.push(line);
  }
  return { nodes, edges, attrs };
}

class MyMul extends torch.autograd.Function {
  static override forward(ctx: Ctx, a: Tensor, b: Tensor): Tensor {
    ctx.saveForBackward(a, b);
    return a.mul(b);
  }
  static override backward(ctx: Ctx, g: Tensor): Tensor[] {
    const [a, b] = ctx.savedTensors;
    return [g.mul(b), g.mul(a)];
  }
}
class TwoOut extends torch.autograd.Function {
  static override forward(_ctx: Ctx, a: Tensor): Tensor[] {
    return [a.mul(2), a.mul(3)];
  }
  static override backward(_ctx: Ctx, g1: Tensor, g2: Tensor): Tensor {
    return g1.mul(2).add(g2.mul(3));
  }
}

const rg = { requiresGrad: true } as const;
type Program = () => [Tensor[], Record<string, Tensor> | [string, Tensor][]];
/** The programs of tests/pytorch/graph.py, line for line. */
const PROGRAMS: Record<string, Program> = {
  seed: () => {
    const x = torch.ones(3, rg);
    const y = x.add(2);
    const z = y.mul(y).mul(3);
    return [[z.mean()], { x }];
  },
  shared: () => {
    const x = torch.tensor([0.5, -1.0], rg);
    const w = torch.tensor([2.0, 3.0], rg);
    const a = x.mul(w);
    return [[a.exp().add(a.sin()).sum()], { x, w }];
  },
  unbind: () => {
    const a = torch.ones(4, rg);
    const p = a.unbind(0);
    return [[p[1].mul(p[2])], { a }];
  },
  split: () => {
    const a = torch.ones([5, 2], rg);
    const s = a.split(2);
    return [[s[0].sum().add(s[2].mul(2).sum())], { a }];
  },
  custom: () => {
    const x = torch.tensor([1.0, 2.0], rg);
    const w = torch.tensor([3.0, 4.0], rg);
    return [[MyMul.apply<Tensor>(x, w).sum()], { x, w }];
  },
  custom_two_outputs: () => {
    const x = torch.tensor([1.0, 2.0], rg);
    const [p, q] = TwoOut.apply<Tensor[]>(x);
    return [[p.mul(q).sum()], { x }];
  },
  linear: () => {
    const lin = new torch.nn.Linear(4, 3);
    return [[lin.call(torch.ones(2, 4)).tanh().sum()], lin.namedParameters()];
  },
  several_outputs: () => {
    const x = torch.tensor([1.0, 2.0, 3.0], rg);
    const y = x.mul(2);
    return [[y.sum(), y.exp()], { x }];
  },
  view_output: () => {
    const x = torch.ones([2, 3], rg);
    return [[x.mul(2).view(3, 2)], { x }];
  },
  unnamed_leaf: () => {
    const x = torch.ones(2, rg);
    const w = torch.ones([2, 2], rg);
    return [[w.mv(x)], { w }];
  },
};

describe('toDot: the graph PyTorch 1.13 builds, as make_dot draws it (tests/pytorch/graph.json)', () => {
  it('covers every case of graph.py', () => expect(REF.cases.map((c) => c.name).sort()).toEqual(Object.keys(PROGRAMS).sort()));
  for (const ref of REF.cases) {
    it(ref.name, () => {
      const [outs, params] = PROGRAMS[ref.name]();
      const got = parseDot(toDot(outs.length === 1 ? outs[0] : outs, { params }));
      expect(got.nodes).toEqual(ref.nodes);
      expect(got.edges).toEqual(ref.edges);
      expect(got.attrs).toEqual([
        '\tgraph [size="12,12"]',
        '\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]',
      ]);
    });
  }
});

type Fn = NonNullable<Tensor['gradFn']>;
type Visited = Fn | { name(): string; nextFunctions: [] };
/** The graph by a plain walk of gradFn.nextFunctions: each node once, each input -> consumer edge once per use. */
function walk(root: Tensor): { names: string[]; edges: string[] } {
  const seen = new Set<Visited>();
  const names: string[] = [];
  const edges: string[] = [];
  // make_dot's label: the type's name, which String() prints in brackets (AccumulateGrad's name() is its C++ name).
  const label = (fn: Visited): string => String(fn).slice(1, -1);
  const visit = (fn: Visited): void => {
    if (seen.has(fn)) return;
    seen.add(fn);
    names.push(label(fn));
    for (const [u] of fn.nextFunctions) {
      if (u === null) continue;
      edges.push(`${label(u)}->${label(fn)}`);
      visit(u);
    }
  };
  if (root.gradFn) visit(root.gradFn);
  return { names: names.sort(), edges: edges.sort() };
}

describe('toDot against the nextFunctions walk', () => {
  it('a small MLP with a loss: one box per node, one edge per use of an input, plus leaves and the output', () => {
    torch.manualSeed(0);
    const model = new torch.nn.Sequential(new torch.nn.Linear(3, 5), new torch.nn.ReLU(), new torch.nn.Linear(5, 2));
    const x = torch.randn([4, 3]);
    const target = torch.tensor([0, 1, 1, 0], { dtype: 'int64' });
    const loss = torch.nn.functional.crossEntropy(model.call(x), target);
    const g = parseDot(toDot(loss, { params: model.namedParameters() }));
    const want = walk(loss);
    const fnNodes = g.nodes.filter((n) => n.fill === null);
    expect(fnNodes.map((n) => n.label[0]).sort()).toEqual(want.names);
    const title = (k: number): string => g.nodes[k].label[0];
    const fnEdges = g.edges.filter(([a, b]) => g.nodes[a as number].fill === null && g.nodes[b as number].fill === null);
    expect(fnEdges.map(([a, b]) => `${title(a as number)}->${title(b as number)}`).sort()).toEqual(want.edges);
    // The four parameters: blue, named as namedParameters() names them, with their shapes, each into its AccumulateGrad.
    const blue = g.nodes.map((n, k) => [n, k] as const).filter(([n]) => n.fill === 'lightblue');
    expect(blue.map(([n]) => n.label).sort()).toEqual([
      ['0.bias', ' (5)'],
      ['0.weight', ' (5, 3)'],
      ['2.bias', ' (2)'],
      ['2.weight', ' (2, 5)'],
    ]);
    for (const [, k] of blue) {
      const into = g.edges.filter(([a]) => a === k);
      expect(into.length).toBe(1);
      expect(g.nodes[into[0][1] as number].label).toEqual(['AccumulateGrad']);
    }
    // The loss: green, 0-d, fed by its grad_fn.
    expect(g.nodes[0]).toEqual({ label: ['', ' ()'], fill: 'darkolivegreen1' });
    expect(g.edges.filter(([, b]) => b === 0).map(([a]) => title(a as number))).toEqual([loss.gradFn?.name()]);
  });

  it('a shared subexpression is one node with two consumers', () => {
    const x = torch.tensor([1, 2], rg);
    const a = x.mul(3);
    const out = a.exp().add(a.cos()).sum();
    const g = parseDot(toDot(out));
    const muls = g.nodes.flatMap((n, k) => (n.label[0] === 'MulBackward0' ? [k] : []));
    expect(muls.length).toBe(1);
    const consumers = g.edges.filter(([a0]) => a0 === muls[0]).map(([, b]) => g.nodes[b as number].label[0]);
    expect(consumers.sort()).toEqual(['CosBackward0', 'ExpBackward0']);
    expect(g.nodes.filter((n) => n.label[0] === 'AccumulateGrad').length).toBe(1);
  });

  it('multi-output nodes (unbind, split, a custom Function with two outputs) appear once, with an edge per output used', () => {
    const a = torch.ones([3, 2], rg);
    const [r0, , r2] = a.unbind(0);
    const [s0, s1] = a.split([1, 2], 0);
    const [p, q] = TwoOut.apply<Tensor[]>(a);
    const out = r0.add(r2).sum().add(s0.sum()).add(s1.sum()).add(p.mul(q).sum());
    const g = parseDot(toDot(out));
    for (const [name, uses] of [
      ['UnbindBackward0', 2],
      ['SplitWithSizesBackward0', 2],
      ['TwoOutBackward', 2],
    ] as const) {
      const ks = g.nodes.flatMap((n, k) => (n.label[0] === name ? [k] : []));
      expect(ks.length, name).toBe(1);
      expect(g.edges.filter(([t]) => t === ks[0]).length, name).toBe(uses);
    }
    expect(walk(out).edges.length).toBe(
      g.edges.filter(([t, h]) => g.nodes[t as number].fill === null && g.nodes[h as number].fill === null).length,
    );
  });

  it('params: a Map, a record or pairs; unlisted leaves have no name; maxAttrChars cuts long names', () => {
    const w = torch.ones([2, 3], rg);
    const b = torch.ones(2, rg);
    const out = w.sum().add(b.sum());
    const blue = (opts: Parameters<typeof toDot>[1]): string[][] =>
      parseDot(toDot(out, opts))
        .nodes.filter((n) => n.fill === 'lightblue')
        .map((n) => n.label);
    expect(blue({ params: new Map([['weight', w]]) })).toEqual([
      ['weight', ' (2, 3)'],
      ['', ' (2)'],
    ]);
    expect(blue({ params: { w, b } })).toEqual([
      ['w', ' (2, 3)'],
      ['b', ' (2)'],
    ]);
    expect(blue({ params: [['a_rather_long_parameter_name', w]], maxAttrChars: 10 })[0]).toEqual(['a_rathe...', ' (2, 3)']);
    expect(blue({ params: [['abcdef', w]], maxAttrChars: 1 })[0]).toEqual(['...', ' (2, 3)']);
    expect(blue({ params: [['abcdef', w]], maxAttrChars: 6 })[0]).toEqual(['abcdef', ' (2, 3)']);
  });

  it('several outputs as a list; a leaf output is a green box and nothing else', () => {
    const x = torch.ones(2, rg);
    const y = x.mul(2);
    // As make_dot: a leaf already drawn (blue) is not drawn again as an output; drawn first as an
    // output, its AccumulateGrad's later declaration turns it blue (Graphviz keeps the last attributes).
    for (const outs of [
      [y, x],
      [x, y],
    ]) {
      const g = parseDot(toDot(outs));
      expect(g.nodes.map((n) => n.fill).sort()).toEqual(['darkolivegreen1', 'lightblue', null, null]);
    }
    expect(parseDot(toDot(torch.ones(3))).nodes).toEqual([{ label: ['', ' (3)'], fill: 'darkolivegreen1' }]);
    expect(parseDot(toDot([])).nodes).toEqual([]);
  });
});

describe('a deep graph', () => {
  it('a chain of 20000 nodes (deeper than a recursive walk could go) is drawn whole', () => {
    const x = torch.ones(2, rg);
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.mul(1);
    const g = parseDot(toDot(y, { params: { x } }));
    expect(g.nodes.length).toBe(20000 + 3);
    expect(g.edges.length).toBe(20000 + 2);
    expect(g.nodes.at(-1)).toEqual({ label: ['x', ' (2)'], fill: 'lightblue' });
  });
});

describe('toDot showSaved', () => {
  it("each node's saved tensors, orange, joined to it by a line without arrowhead; a tensor saved twice is one box", () => {
    const x = torch.ones(3, rg);
    const y = x.add(2);
    const z = y.mul(y).mul(3);
    const out = z.mean();
    const g = parseDot(toDot(out, { params: { x }, showSaved: true }));
    const orange = g.nodes.flatMap((n, k) => (n.fill === 'orange' ? [k] : []));
    const lines = g.edges.filter((e) => e[2] === 'none');
    // y * y saves y twice (one box, two lines); y * 3 saves the 3 (a 0-d tensor).
    const inner = y.mul(y).gradFn as Fn;
    expect(inner.saved?.length).toBe(2);
    expect(orange.map((k) => g.nodes[k].label[1]).sort()).toEqual([' ()', ' (3)']);
    expect(lines.length).toBe(3);
    for (const [t, h] of lines) {
      expect(g.nodes[t as number].label[0]).toBe('MulBackward0');
      expect(orange).toContain(h);
    }
    // Without showSaved: no orange, no undirected line.
    const plain = parseDot(toDot(out, { params: { x } }));
    expect(plain.nodes.some((n) => n.fill === 'orange') || plain.edges.some((e) => e.length === 3)).toBe(false);
    // After backward the saved tensors are freed: nothing to show.
    out.backward();
    expect(parseDot(toDot(out, { showSaved: true })).nodes.some((n) => n.fill === 'orange')).toBe(false);
  });

  it("a custom Function's saveForBackward: an intermediate orange, a leaf keeps its blue box and gets the line", () => {
    class Scaled extends torch.autograd.Function {
      static override forward(ctx: Ctx, a: Tensor): Tensor {
        const twice = a.mul(2);
        ctx.saveForBackward(a, twice);
        return twice.exp();
      }
      static override backward(ctx: Ctx, g: Tensor): Tensor {
        const [, twice] = ctx.savedTensors;
        return g.mul(twice.exp()).mul(2);
      }
    }
    const a = torch.ones([2, 2], rg);
    const g = parseDot(toDot(Scaled.apply<Tensor>(a), { params: { a }, showSaved: true }));
    const fn = g.nodes.findIndex((n) => n.label[0] === 'ScaledBackward');
    const lines = g.edges.filter((e) => e[0] === fn && e[2] === 'none').map(([, h]) => g.nodes[h as number]);
    expect(lines).toEqual([
      { label: ['a', ' (2, 2)'], fill: 'lightblue' },
      { label: ['saved[1]', ' (2, 2)'], fill: 'orange' },
    ]);
  });
});

describe('toSvg', () => {
  const seed = (): { out: Tensor; x: Tensor } => {
    const x = torch.ones(3, rg);
    const y = x.add(2);
    return { out: y.mul(y).mul(3).mean(), x };
  };
  interface Box {
    id: number;
    title: string;
    x: number;
    y: number;
    w: number;
    h: number;
    fill: string;
    texts: string[];
  }
  function boxes(svg: string): Box[] {
    const re =
      /<g class="node" id="node(\d+)" data-id="\1">\n<title>([^<]*)<\/title>\n<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="(#[0-9a-f]+)" stroke="#000"\/>\n((?:<text [^>]*>[^<]*<\/text>\n)*)<\/g>/g;
    return [...svg.matchAll(re)].map((m) => ({
      id: Number(m[1]),
      title: m[2],
      x: Number(m[3]),
      y: Number(m[4]),
      w: Number(m[5]),
      h: Number(m[6]),
      fill: m[7],
      texts: [...m[8].matchAll(/>([^<]*)<\/text>/g)].map((t) => t[1]),
    }));
  }
  const edgesOf = (svg: string): { tail: number; head: number; title: string; body: string }[] =>
    [...svg.matchAll(/<g class="edge" data-tail="(\d+)" data-head="(\d+)">\n<title>([^<]*)<\/title>\n([\s\S]*?)<\/g>/g)].map((m) => ({
      tail: Number(m[1]),
      head: Number(m[2]),
      title: m[3],
      body: m[4],
    }));

  it("the seed's graph: a box per DOT node with its label as title, an edge per DOT edge, arrowheads, top to bottom", () => {
    const { out, x } = seed();
    const svg = toSvg(out, { params: { x } });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const dot = parseDot(toDot(out, { params: { x } }));
    const bs = boxes(svg);
    expect(bs.length).toBe(dot.nodes.length);
    expect(bs.sort((a, b) => a.id - b.id).map((b) => b.title)).toEqual([
      '()',
      'MeanBackward0',
      'MulBackward0',
      'MulBackward0',
      'AddBackward0',
      'AccumulateGrad',
      'x (3)',
    ]);
    expect(bs.map((b) => b.fill)).toEqual(['#caff70', '#d3d3d3', '#d3d3d3', '#d3d3d3', '#d3d3d3', '#d3d3d3', '#add8e6']);
    const es = edgesOf(svg);
    expect(es.map((e) => [e.tail, e.head])).toEqual(dot.edges);
    expect(es.map((e) => e.title)).toContain('AddBackward0-&gt;MulBackward0');
    for (const e of es) expect(e.body).toMatch(/<path d="M[^"]+" fill="none" stroke="#000"\/>\n<polygon /);
    // A chain: every edge goes down, from the bottom of its tail's box to the top of its head's.
    const byId = new Map(bs.map((b) => [b.id, b]));
    for (const e of es) {
      const t = byId.get(e.tail) as Box;
      const h = byId.get(e.head) as Box;
      expect(t.y + t.h, e.title).toBeLessThan(h.y);
      const [, x0, y0] = /M([\d.]+),([\d.]+)/.exec(e.body) ?? [];
      expect(Number(y0)).toBeCloseTo(t.y + t.h, 5);
      expect(Math.abs(Number(x0) - (t.x + t.w / 2))).toBeLessThanOrEqual(5);
    }
    // The two uses of y are two arrows, side by side.
    const twice = es.filter((e) => e.title === 'AddBackward0-&gt;MulBackward0');
    expect(twice.length).toBe(2);
    expect(twice[0].body).not.toBe(twice[1].body);
  });

  it('boxes fit their text and do not overlap; saved lines have no arrowhead; a view base is dotted', () => {
    const x = torch.ones([2, 3], rg);
    const v = x.mul(2).view(3, 2);
    const svg = toSvg(v.exp().sum().add(v.sum()), { params: { the_input_tensor: x }, showSaved: true });
    const bs = boxes(svg);
    for (const b of bs) for (const t of b.texts) expect(b.w, t).toBeGreaterThanOrEqual(t.length * 6);
    for (let i = 0; i < bs.length; i++)
      for (let j = i + 1; j < bs.length; j++) {
        const [a, b] = [bs[i], bs[j]];
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart, `${a.title} / ${b.title}`).toBe(true);
      }
    const es = edgesOf(svg);
    const dot = parseDot(toDot(v.exp().sum().add(v.sum()), { params: { the_input_tensor: x }, showSaved: true }));
    expect(es.length).toBe(dot.edges.length);
    expect(bs.some((b) => b.fill === '#ffa500')).toBe(true);
    es.forEach((e, i) => {
      expect(e.body.includes('<polygon'), e.title).toBe(dot.edges[i][2] !== 'none');
    });
    expect(toSvg(v)).toContain('stroke-dasharray');
  });

  it('with saved tensors (a saved leaf, a saved output), every arrow still points down and saved boxes sit below their node', () => {
    const a = torch.ones([2, 2], rg);
    const b = a.mul(2);
    const r = b.exp().mul(b.sin()).add(b).div(a);
    for (const out of [r.sum(), a.exp()]) {
      const svg = toSvg(out, { params: { a }, showSaved: true });
      const byId = new Map(boxes(svg).map((x) => [x.id, x]));
      const es = edgesOf(svg);
      expect(es.some((e) => !e.body.includes('<polygon'))).toBe(true);
      for (const e of es) {
        const t = byId.get(e.tail) as Box;
        const h = byId.get(e.head) as Box;
        if (e.body.includes('<polygon')) expect(t.y + t.h, e.title).toBeLessThan(h.y);
        else if (h.fill === '#ffa500') expect(t.y + t.h, e.title).toBeLessThan(h.y);
      }
    }
  });

  it('is deterministic, escapes names and draws an empty list as an empty picture', () => {
    const { out, x } = seed();
    expect(toSvg(out, { params: { x } })).toBe(toSvg(out, { params: { x } }));
    expect(toSvg(out, { params: { '<x & "y">': x } })).toContain('<title>&lt;x &amp; &quot;y&quot;&gt; (3)</title>');
    expect(boxes(toSvg([])).length).toBe(0);
  });

  it('a wide graph (a tree): no two edges cross, and each leaf sits above its AccumulateGrad', () => {
    const xs = Array.from({ length: 5 }, () => torch.ones(2, rg));
    let acc = xs[0].exp();
    for (const t of xs.slice(1)) acc = acc.add(t.exp());
    const svg = toSvg(acc.sum());
    const bs = boxes(svg);
    expect(bs.length).toBe(1 + 1 + 4 + 5 + 5 + 5);
    const byId = new Map(bs.map((b) => [b.id, b]));
    const segs = edgesOf(svg).map((e) => {
      const nums = [...e.body.matchAll(/[MC ]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      const t = byId.get(e.tail) as Box;
      const h = byId.get(e.head) as Box;
      if (t.title === '(2)') expect(Math.abs(t.x + t.w / 2 - (h.x + h.w / 2))).toBeLessThan(h.w / 2);
      return { y0: t.y, y1: h.y, x0: nums[0][0], x1: (nums.at(-1) as number[])[0] };
    });
    for (let i = 0; i < segs.length; i++)
      for (let j = i + 1; j < segs.length; j++) {
        const [a, b] = [segs[i], segs[j]];
        if (a.y0 !== b.y0 || a.y1 !== b.y1) continue;
        expect((a.x0 - b.x0) * (a.x1 - b.x1)).toBeGreaterThanOrEqual(0);
      }
  });
});

describe('argument errors', () => {
  it('toDot / toSvg: the output must be a tensor or a list of tensors; options and params are checked', () => {
    const x = torch.ones(2, rg);
    const y = x.mul(2);
    expect(() => toDot(3 as never)).toThrow('toDot(): output must be a Tensor or a list of Tensors, not int');
    expect(() => toSvg({} as never)).toThrow('toSvg(): output must be a Tensor or a list of Tensors, not dict');
    expect(() => toDot([y, 'z'] as never)).toThrow('toDot(): output must be a Tensor or a list of Tensors, not a list containing str');
    expect(() => toDot(y, { show_saved: true } as never)).toThrow(
      "toDot() got an unexpected keyword argument 'show_saved' (did you mean showSaved?)",
    );
    expect(() => toDot(y, { showAttrs: true } as never)).toThrow(/PyTorch has it; asgrad does not support it/);
    expect(() => toDot(y, { showSaved: 1 } as never)).toThrow(TypeError);
    expect(() => toDot(y, { maxAttrChars: 2.5 } as never)).toThrow(TypeError);
    expect(() => toDot(y, { params: { x: [1, 2] } } as never)).toThrow("toDot(): params must map names to Tensors, not 'x': list");
    expect(() => toSvg(y, { params: x } as never)).toThrow('toSvg(): params must map names to Tensors, not Tensor');
    expect(() => toSvg(y, { params: [[1, x]] } as never)).toThrow('toSvg(): params must map names to Tensors, not an entry list');
    const z = torch.ones(2).mul(1);
    z.dispose();
    expect(() => toDot(z)).toThrow(/disposed/);
    // The library keeps working.
    expect(parseDot(toDot(y, { params: { x } })).nodes.length).toBe(4);
  });
});
