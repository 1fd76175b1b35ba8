// torch.autograd.graph.toDot / toSvg: the autograd graph behind a tensor as a picture. toDot writes
// the DOT text torchviz's make_dot would (same walk, numbering, labels and colours), for Graphviz;
// toSvg lays the same graph out itself (layered, top to bottom as `dot` draws it) and writes a
// standalone SVG, so a page can show the graph without Graphviz. Everything here is strings and
// small integer arithmetic on the graph's structure: no tensor value is read or computed.
import type { Tensor } from './tensor.js';
import { AccumulateGrad, Node } from './autograd.js';
import { isTensor } from './brand.js';
import * as V from './validate.js';

/** Parameter names for the leaves: `{ weight: w }`, a Map, or `[name, tensor]` pairs (`model.namedParameters()`). */
export type GraphParams = Readonly<Record<string, Tensor>> | Iterable<readonly [string, Tensor]>;

/** Options of `torch.autograd.graph.toDot` / `toSvg` (torchviz make_dot's params and show_saved). */
export interface GraphOptions {
  /** Names the leaves' boxes show (a leaf that is not listed gets an empty name, as in torchviz). */
  params?: GraphParams;
  /** Also draw the tensors each node saved for backward (orange boxes, lines without arrowheads). */
  showSaved?: boolean;
  /** Longest name shown in a box; longer ones are cut with '...' (at least 3; default 50). */
  maxAttrChars?: number;
}

const OPTS_DOT = V.optionSpec('toDot', { params: 'any', showSaved: 'bool', maxAttrChars: 'int' }, ['showAttrs']);
const OPTS_SVG = V.optionSpec('toSvg', { params: 'any', showSaved: 'bool', maxAttrChars: 'int' }, ['showAttrs']);

// ---------------------------------------------------------------- the graph, as make_dot walks it

type Fill = 'darkolivegreen1' | 'darkolivegreen3' | 'lightblue' | 'orange' | null;
/** A box: its label lines (make_dot's `name\n (shape)` for tensors, the node's name for a grad_fn). */
interface GNode {
  id: number;
  lines: string[];
  fill: Fill;
}
interface GEdge {
  tail: number;
  head: number;
  /** 'none': a saved tensor's line (no arrowhead); 'dotted': a view to its base. */
  style: 'none' | 'dotted' | null;
}
/** One statement of the DOT body, in make_dot's order (a node statement at its first declaration). */
type Stmt = { node: number } | { edge: GEdge };
interface Graph {
  nodes: GNode[];
  edges: GEdge[];
  body: Stmt[];
}

type GraphObj = Tensor | Node | AccumulateGrad;

function readOptions(
  spec: V.OptionSpec,
  output: unknown,
  opts: unknown,
): { outs: Tensor[]; o: Required<Omit<GraphOptions, 'params'>>; names: Map<Tensor, string> } {
  const entry = spec.entry;
  const list = isTensor(output) ? [output] : Array.isArray(output) ? [...(output as unknown[])] : null;
  if (list === null) throw new TypeError(`${entry}(): output must be a Tensor or a list of Tensors, not ${V.typeName(output)}`);
  for (const t of list) {
    if (!isTensor(t))
      throw new TypeError(`${entry}(): output must be a Tensor or a list of Tensors, not a list containing ${V.typeName(t)}`);
    t._check(entry);
  }
  V.options(spec, opts);
  const given = (opts ?? {}) as GraphOptions;
  const max = given.maxAttrChars ?? 50;
  return {
    outs: list as Tensor[],
    o: { showSaved: given.showSaved ?? false, maxAttrChars: Math.max(max, 3) },
    names: paramNames(entry, given.params),
  };
}

function paramNames(entry: string, params: unknown): Map<Tensor, string> {
  const names = new Map<Tensor, string>();
  if (params === undefined || params === null) return names;
  const bad = (what: unknown): TypeError => new TypeError(`${entry}(): params must map names to Tensors, not ${what}`);
  if (typeof params !== 'object' || isTensor(params)) throw bad(V.typeName(params));
  const pairs: unknown[] =
    Symbol.iterator in params ? [...(params as Iterable<unknown>)] : Object.entries(params as Record<string, unknown>);
  for (const p of pairs) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string') throw bad(`an entry ${V.typeName(p)}`);
    if (!isTensor(p[1])) throw bad(`'${p[0]}': ${V.typeName(p[1])}`);
    // As make_dot's {id(v): k}: a tensor listed twice shows its last name.
    names.set(p[1], p[0]);
  }
  return names;
}

const shapeText = (t: Tensor): string => `(${t.shape.join(', ')})`;
const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 3)}...` : s);

function buildGraph(outs: readonly Tensor[], names: Map<Tensor, string>, showSaved: boolean, max: number): Graph {
  const ids = new Map<GraphObj, number>();
  const nodes: GNode[] = [];
  const body: Stmt[] = [];
  const edges: GEdge[] = [];
  const seen = new Set<GraphObj>();
  const id = (x: GraphObj): number => {
    let k = ids.get(x);
    if (k === undefined) {
      k = ids.size;
      ids.set(x, k);
    }
    return k;
  };
  /** Declares (or re-declares) a box; a tensor drawn as a leaf, base or output keeps that look over "saved". */
  const declare = (x: GraphObj, lines: string[], fill: Fill): void => {
    const k = id(x);
    const old = nodes[k];
    if (old === undefined) {
      nodes[k] = { id: k, lines, fill };
      body.push({ node: k });
    } else if (old.fill === 'orange' || fill !== 'orange') {
      old.lines = lines;
      old.fill = fill;
    }
  };
  const edge = (a: GraphObj, b: GraphObj, style: GEdge['style'] = null): void => {
    const e = { tail: id(a), head: id(b), style };
    edges.push(e);
    body.push({ edge: e });
  };
  const varLines = (t: Tensor, name?: string): string[] => [cut(name ?? names.get(t) ?? '', max), ` ${shapeText(t)}`];

  /** Declares a node as make_dot's add_nodes does on entry: its saved tensors, its leaf, itself. */
  const enter = (fn: Node | AccumulateGrad): void => {
    seen.add(fn);
    if (showSaved && fn instanceof Node && fn.saved) {
      fn.saved.forEach((s, i) => {
        // A saved tensor is an alias the node holds: draw the tensor it stands for.
        const t = s._origin ?? s;
        seen.add(t);
        edge(fn, t, 'none');
        declare(t, varLines(t, `saved[${i}]`), 'orange');
      });
    }
    if (fn instanceof AccumulateGrad) {
      seen.add(fn.variable);
      declare(fn.variable, varLines(fn.variable), 'lightblue');
      edge(fn.variable, fn);
    }
    // make_dot labels a node with its Python type's name: AccumulateGrad's name() is its C++ name.
    declare(fn, [fn instanceof AccumulateGrad ? 'AccumulateGrad' : fn.name()], null);
  };
  // make_dot's recursion (an edge to each input, then the input's own walk) with an explicit
  // stack: a graph can be deeper than the JS call stack (a long unrolled loop).
  const addFn = (root: Node | AccumulateGrad): void => {
    if (seen.has(root)) return;
    enter(root);
    const stack: { fn: Node | AccumulateGrad; next: (Node | AccumulateGrad | null)[]; k: number }[] = [
      { fn: root, next: root.nextFunctions.map(([u]) => u), k: 0 },
    ];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.k === top.next.length) {
        stack.pop();
        continue;
      }
      const u = top.next[top.k++];
      if (u === null) continue;
      edge(u, top.fn);
      if (seen.has(u)) continue;
      enter(u);
      stack.push({ fn: u, next: u.nextFunctions.map(([v]) => v), k: 0 });
    }
  };
  const addTensor = (t: Tensor, fill: Fill): void => {
    if (seen.has(t)) return;
    seen.add(t);
    declare(t, varLines(t), fill);
    const fn = t.gradFn;
    if (fn) {
      addFn(fn);
      edge(fn, t);
    }
    if (t._base) {
      addTensor(t._base, 'darkolivegreen3');
      edge(t._base, t, 'dotted');
    }
  };
  for (const t of outs) addTensor(t, 'darkolivegreen1');
  return { nodes, edges, body };
}

// ---------------------------------------------------------------- DOT

const dotString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

function writeDot(g: Graph): string {
  const lines = ['digraph {'];
  // make_dot's resize_graph: 0.15 inch per statement, at least 12 inches.
  const size = Math.max(12, g.body.length * 0.15);
  lines.push(`\tgraph [size="${size},${size}"]`);
  lines.push('\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]');
  for (const s of g.body) {
    if ('node' in s) {
      const n = g.nodes[s.node];
      const fill = n.fill ? ` fillcolor=${n.fill}` : '';
      lines.push(`\t${n.id} [label=${dotString(n.lines.join('\n'))}${fill}]`);
    } else {
      const e = s.edge;
      const style = e.style === 'none' ? ' [dir=none]' : e.style === 'dotted' ? ' [style=dotted]' : '';
      lines.push(`\t${e.tail} -> ${e.head}${style}`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * The autograd graph that produced `output` (a tensor or a list of tensors) as Graphviz DOT text, in
 * torchviz's make_dot layout: a grey box per grad_fn, named as PyTorch names it; a light-blue box per
 * leaf with its name from `params` and its shape; the outputs green (a view's base darker, with a
 * dotted line); with `showSaved`, the tensors each node saved in orange. Edges go from an input to
 * the node that consumes it. Nodes are numbered in the order make_dot first mentions them.
 */
export function toDot(output: Tensor | readonly Tensor[], opts?: GraphOptions): string {
  const { outs, o, names } = readOptions(OPTS_DOT, output, opts);
  return writeDot(buildGraph(outs, names, o.showSaved, o.maxAttrChars));
}

// ---------------------------------------------------------------- layout

const FONT_SIZE = 10;
/** Advance of a monospace glyph at FONT_SIZE (0.6 em, as DejaVu Sans Mono and most monospace fonts). */
const CHAR_W = 6.02;
const LINE_H = 12;
const PAD_X = 8;
const PAD_Y = 5;
const RANK_GAP = 34;
const NODE_GAP = 16;
const DUMMY_GAP = 8;
const MARGIN = 8;
const ARROW = 7;

interface LNode {
  /** Index into Graph.nodes, or -1 for a dummy (a bend point of a long edge). */
  gi: number;
  w: number;
  h: number;
  rank: number;
  x: number;
  order: number;
  up: number[];
  down: number[];
}

/** Draws the box labels as they render: empty lines (an unnamed tensor's) left out, leading spaces dropped. */
const shownLines = (n: GNode): string[] => n.lines.map((l) => l.trim()).filter((l) => l !== '');

/**
 * Ranks: longest path from the sources, edges that close a cycle (a saved output drawn below its
 * own node) turned round first; then a node moves down next to its consumers when it has at least
 * as many out-edges as in-edges (leaves and their AccumulateGrad sit just above the node using them).
 */
function rankNodes(n: number, edges: readonly [number, number][]): number[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  const inn: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    out[a].push(b);
    inn[b].push(a);
  }
  const order: number[] = [];
  const indeg = inn.map((l) => l.length);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    order.push(v);
    for (const w of out[v]) if (--indeg[w] === 0) queue.push(w);
  }
  const rank = new Array<number>(n).fill(0);
  for (const v of order) for (const w of out[v]) rank[w] = Math.max(rank[w], rank[v] + 1);
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k];
    if (out[v].length === 0 || out[v].length < inn[v].length) continue;
    const lowest = Math.min(...out[v].map((w) => rank[w])) - 1;
    if (lowest > rank[v]) rank[v] = lowest;
  }
  return rank;
}

/**
 * Directed edges of the layout, each tail above its head: a DFS from the nodes in order, back edges
 * reversed. (An autograd graph has no cycle; this keeps the layout total whatever it is given.)
 */
function acyclic(n: number, edges: readonly GEdge[], use: readonly boolean[]): boolean[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  edges.forEach((e, i) => {
    if (use[i]) out[e.tail].push(i);
  });
  const state = new Array<number>(n).fill(0);
  const reversed = edges.map(() => false);
  for (let s = 0; s < n; s++) {
    if (state[s] !== 0) continue;
    const stack: [number, number][] = [[s, 0]];
    state[s] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k === out[v].length) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      top[1]++;
      const ei = out[v][k];
      const w = edges[ei].head;
      if (state[w] === 1) reversed[ei] = true;
      else if (state[w] === 0) {
        state[w] = 1;
        stack.push([w, 0]);
      }
    }
  }
  return reversed;
}

/**
 * Crossings between a rank and the next: pairs of edges whose ends come in opposite orders, counted
 * as the inversions of the lower ends once the edges are sorted by their upper ends (a Fenwick tree:
 * n log n, so a rank of thousands of leaves stays cheap).
 */
function crossings(upper: readonly LNode[], nodes: readonly LNode[]): number {
  const segs: [number, number][] = [];
  let width = 0;
  for (const u of upper)
    for (const d of u.down) {
      const o = nodes[d].order;
      segs.push([u.order, o]);
      width = Math.max(width, o + 1);
    }
  segs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const tree = new Array<number>(width + 1).fill(0);
  let c = 0;
  segs.forEach(([, b], seen) => {
    let below = 0;
    for (let i = b + 1; i > 0; i -= i & -i) below += tree[i];
    c += seen - below;
    for (let i = b + 1; i <= width; i += i & -i) tree[i]++;
  });
  return c;
}

interface Layout {
  lnodes: LNode[];
  /** Per graph edge: the chain of layout nodes it passes through, tail to head (in layout direction). */
  chains: number[][];
  reversed: boolean[];
  rankY: number[];
  rankH: number[];
  width: number;
  height: number;
}

function layout(g: Graph): Layout {
  const n = g.nodes.length;
  // Ranks come from the arrows only. A saved tensor's line has no direction: it may join a node to a
  // leaf or an output drawn anywhere (and, taken as an arrow, could close a cycle), so it is drawn
  // between wherever its ends are; a box that only has such lines (an intermediate saved tensor)
  // goes one rank below the lowest node that saved it.
  const directed = g.edges.map((e) => e.style !== 'none');
  const reversed = acyclic(n, g.edges, directed);
  // Duplicate edges (an input used twice) count once for ranking and ordering; all are drawn.
  const uniq = new Map<string, [number, number]>();
  g.edges.forEach((e, i) => {
    if (directed[i])
      uniq.set(reversed[i] ? `${e.head}>${e.tail}` : `${e.tail}>${e.head}`, reversed[i] ? [e.head, e.tail] : [e.tail, e.head]);
  });
  const rank = rankNodes(n, [...uniq.values()]);
  const hasArrow = new Array<boolean>(n).fill(false);
  g.edges.forEach((e, i) => {
    if (directed[i]) hasArrow[e.tail] = hasArrow[e.head] = true;
  });
  g.edges.forEach((e, i) => {
    if (!directed[i] && !hasArrow[e.head]) rank[e.head] = Math.max(rank[e.head], rank[e.tail] + 1);
  });
  const pairs = g.edges.map((e, i): [number, number] => {
    if (!directed[i]) reversed[i] = rank[e.tail] > rank[e.head];
    return reversed[i] ? [e.head, e.tail] : [e.tail, e.head];
  });
  const lnodes: LNode[] = g.nodes.map((node, i) => {
    const lines = shownLines(node);
    const w = Math.max(...lines.map((l) => l.length), 1) * CHAR_W + 2 * PAD_X;
    return { gi: i, w, h: Math.max(lines.length, 1) * LINE_H + 2 * PAD_Y, rank: rank[i], x: 0, order: 0, up: [], down: [] };
  });
  // Long edges become chains through dummies, one per rank crossed, shared by duplicate edges.
  const chainOf = new Map<string, number[]>();
  const chains = pairs.map(([a, b]) => {
    const key = `${a}>${b}`;
    let chain = chainOf.get(key);
    if (chain === undefined) {
      chain = [a];
      for (let r = rank[a] + 1; r < rank[b]; r++) {
        lnodes.push({ gi: -1, w: 0, h: 0, rank: r, x: 0, order: 0, up: [], down: [] });
        chain.push(lnodes.length - 1);
      }
      chain.push(b);
      // A line within one rank (a saved leaf beside the node that saved it) orders nothing.
      if (rank[a] !== rank[b])
        for (let k = 0; k + 1 < chain.length; k++) {
          lnodes[chain[k]].down.push(chain[k + 1]);
          lnodes[chain[k + 1]].up.push(chain[k]);
        }
      chainOf.set(key, chain);
    }
    return chain;
  });
  let nRanks = 1;
  for (const v of lnodes) nRanks = Math.max(nRanks, v.rank + 1);
  const ranks: LNode[][] = Array.from({ length: nRanks }, () => []);
  // Initial order: make_dot's numbering (outputs first), dummies after the node they leave.
  for (const v of lnodes) ranks[v.rank].push(v);
  const renumber = (): void => {
    for (const r of ranks)
      r.forEach((v, i) => {
        v.order = i;
      });
  };
  renumber();
  const total = (): number => {
    let c = 0;
    for (let r = 0; r + 1 < nRanks; r++) c += crossings(ranks[r], lnodes);
    return c;
  };
  let best = ranks.map((r) => [...r]);
  let bestC = total();
  // Barycenter sweeps, down then up; the best ordering seen is kept (ties: the earlier one).
  for (let it = 0; it < 16 && bestC > 0; it++) {
    const down = it % 2 === 0;
    for (let k = 1; k < nRanks; k++) {
      const r = down ? k : nRanks - 1 - k;
      const row = ranks[r];
      const bary = row.map((v) => {
        const nb = down ? v.up : v.down;
        return nb.length === 0 ? v.order : nb.reduce((s, u) => s + lnodes[u].order, 0) / nb.length;
      });
      const idx = row.map((_, i) => i).sort((a, b) => bary[a] - bary[b] || a - b);
      ranks[r] = idx.map((i) => row[i]);
      ranks[r].forEach((v, i) => {
        v.order = i;
      });
    }
    const c = total();
    if (c < bestC) {
      bestC = c;
      best = ranks.map((r) => [...r]);
    }
  }
  for (let r = 0; r < nRanks; r++) ranks[r] = best[r];
  renumber();

  // x: packed left to right, then pulled toward the mean of the neighbours' centres, keeping order
  // and gaps (a forward pass pushing right, a backward pass pushing left, their average).
  const gap = (a: LNode, b: LNode): number => a.w / 2 + b.w / 2 + (a.gi < 0 || b.gi < 0 ? DUMMY_GAP : NODE_GAP);
  for (const row of ranks) {
    let x = 0;
    row.forEach((v, i) => {
      x = i === 0 ? v.w / 2 : x + gap(row[i - 1], v);
      v.x = x;
    });
  }
  for (let it = 0; it < 24; it++) {
    const down = it % 2 === 0;
    for (let k = 0; k < nRanks; k++) {
      const row = ranks[down ? k : nRanks - 1 - k];
      const want = row.map((v) => {
        const nb = [...v.up, ...v.down];
        return nb.length === 0 ? v.x : nb.reduce((s, u) => s + lnodes[u].x, 0) / nb.length;
      });
      const right = want.slice();
      for (let i = 1; i < row.length; i++) right[i] = Math.max(right[i], right[i - 1] + gap(row[i - 1], row[i]));
      const left = want.slice();
      for (let i = row.length - 2; i >= 0; i--) left[i] = Math.min(left[i], left[i + 1] - gap(row[i], row[i + 1]));
      const mid = right.map((r, i) => (r + left[i]) / 2);
      // The average can break a gap where both passes moved: one last push to the right restores it.
      for (let i = 1; i < row.length; i++) mid[i] = Math.max(mid[i], mid[i - 1] + gap(row[i - 1], row[i]));
      row.forEach((v, i) => {
        v.x = mid[i];
      });
    }
  }
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  for (const v of lnodes) {
    minX = Math.min(minX, v.x - v.w / 2);
    maxX = Math.max(maxX, v.x + v.w / 2);
  }
  if (lnodes.length === 0) minX = maxX = 0;
  for (const v of lnodes) v.x = Math.round((v.x - minX + MARGIN) * 100) / 100;
  const rankH = ranks.map((row) => row.reduce((h, v) => Math.max(h, v.h), LINE_H));
  const rankY: number[] = [];
  let y = MARGIN;
  for (let r = 0; r < nRanks; r++) {
    rankY.push(y);
    y += rankH[r] + RANK_GAP;
  }
  return {
    lnodes,
    chains,
    reversed,
    rankY,
    rankH,
    width: Math.ceil(maxX - minX + 2 * MARGIN),
    height: Math.ceil(lnodes.length === 0 ? 2 * MARGIN : y - RANK_GAP + MARGIN),
  };
}

// ---------------------------------------------------------------- SVG

const COLORS: Readonly<Record<Exclude<Fill, null>, string>> = {
  darkolivegreen1: '#caff70',
  darkolivegreen3: '#a2cd5a',
  lightblue: '#add8e6',
  orange: '#ffa500',
};
const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number): string => String(Math.round(v * 100) / 100);
/** What a node's <title> says: its label on one line (`MulBackward0`, `x (3)`, `(3)` for an unnamed tensor). */
const titleOf = (n: GNode): string => shownLines(n).join(' ');

function writeSvg(g: Graph, L: Layout): string {
  const { lnodes } = L;
  // A box's vertical extent: centred in its rank's band.
  const cy = (v: LNode): number => L.rankY[v.rank] + L.rankH[v.rank] / 2;
  const top = (v: LNode): number => cy(v) - v.h / 2;
  const bottom = (v: LNode): number => cy(v) + v.h / 2;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="asgrad-graph" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}">`,
  );
  out.push(`<g class="graph" font-family="monospace" font-size="${FONT_SIZE}">`);
  // Parallel copies of one edge (an input used twice) are spread apart so both show.
  const copies = new Map<string, number>();
  const copyNr = g.edges.map((_, i) => {
    const key = L.chains[i].join(',');
    const k = copies.get(key) ?? 0;
    copies.set(key, k + 1);
    return k;
  });
  g.edges.forEach((e, i) => {
    const chain = L.chains[i];
    const count = copies.get(chain.join(',')) ?? 1;
    const shift = (copyNr[i] - (count - 1) / 2) * 10;
    const [first, last] = [lnodes[chain[0]], lnodes[chain[chain.length - 1]]];
    const level = first.rank === last.rank;
    const pts = level
      ? // Within one rank: from the side of one box to the facing side of the other.
        [first, last].map((v, j) => {
          const toward = (j === 0 ? last.x : first.x) > v.x ? 1 : -1;
          return [v.x + (toward * v.w) / 2, cy(v) + shift] as [number, number];
        })
      : chain.map((k, j) => {
          const v = lnodes[k];
          const y = j === 0 ? bottom(v) : j === chain.length - 1 ? top(v) : cy(v);
          return [v.x + shift, y] as [number, number];
        });
    // The arrowhead sits at the edge's head: the end of the chain, or its start if the edge was turned round.
    const arrow = e.style !== 'none';
    const atEnd = !L.reversed[i];
    if (arrow) {
      const p = atEnd ? pts[pts.length - 1] : pts[0];
      p[1] += atEnd ? -ARROW : ARROW;
    }
    let d = `M${num(pts[0][0])},${num(pts[0][1])}`;
    for (let k = 1; k < pts.length; k++) {
      const [x0, y0] = pts[k - 1];
      const [x1, y1] = pts[k];
      const m = (y1 - y0) / 2;
      d += level ? `L${num(x1)},${num(y1)}` : `C${num(x0)},${num(y0 + m)} ${num(x1)},${num(y1 - m)} ${num(x1)},${num(y1)}`;
    }
    const dash = e.style === 'dotted' ? ' stroke-dasharray="2,3"' : '';
    out.push(`<g class="edge" data-tail="${e.tail}" data-head="${e.head}">`);
    out.push(`<title>${xml(`${titleOf(g.nodes[e.tail])}->${titleOf(g.nodes[e.head])}`)}</title>`);
    out.push(`<path d="${d}" fill="none" stroke="#000"${dash}/>`);
    if (arrow) {
      const [x, y] = atEnd ? pts[pts.length - 1] : pts[0];
      const tip = atEnd ? y + ARROW : y - ARROW;
      out.push(`<polygon points="${num(x - 3.5)},${num(y)} ${num(x + 3.5)},${num(y)} ${num(x)},${num(tip)}" fill="#000" stroke="#000"/>`);
    }
    out.push('</g>');
  });
  for (const v of lnodes) {
    if (v.gi < 0) continue;
    const node = g.nodes[v.gi];
    const lines = shownLines(node);
    const x = v.x - v.w / 2;
    const y = top(v);
    out.push(`<g class="node" id="node${node.id}" data-id="${node.id}">`);
    out.push(`<title>${xml(titleOf(node))}</title>`);
    const fill = node.fill ? COLORS[node.fill] : '#d3d3d3';
    out.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(v.w)}" height="${num(v.h)}" fill="${fill}" stroke="#000"/>`);
    lines.forEach((l, k) => {
      const ty = y + PAD_Y + LINE_H * (k + 1) - 3;
      out.push(`<text x="${num(v.x)}" y="${num(ty)}" text-anchor="middle" xml:space="preserve">${xml(l)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</g>', '</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * The same graph as toDot, laid out here (layered top to bottom: leaves above, outputs below; ranks
 * by longest path, order within ranks by barycenter sweeps) and drawn as a standalone SVG string,
 * the same on every platform. Each box is a `<g class="node">` whose `<title>` is its label on one
 * line; each edge a `<g class="edge">` with `data-tail` / `data-head` (toDot's node numbers).
 */
export function toSvg(output: Tensor | readonly Tensor[], opts?: GraphOptions): string {
  const { outs, o, names } = readOptions(OPTS_SVG, output, opts);
  const g = buildGraph(outs, names, o.showSaved, o.maxAttrChars);
  return writeSvg(g, layout(g));
}
