// Bar charts drawn as SVG here, no charting library: a figure with a caption, each bar titled with
// its value (a hover and a screen reader both give the numbers), and its value written over it.
import { el } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 300;
const HEIGHT = 120;
const BAR = 40; // the widest a bar gets: one month is a bar, not a wall

function svgNode(tag: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * `points`: [{ label, value (null: none), text (written over the bar), title }], scaled to `max`
 * (1 for shares) or to the largest value. `axis`: the top of the scale in words (its value as the
 * reader writes it), drawn with a guide line; the baseline is zero. With many bars, every few is
 * named on the axis below, the first and the last always.
 */
/** One bar: its label below, its value (null: none), the text over it, its title (the numbers). */
export type Bar = { label?: string; value: number | null; text?: string; title: string };

export function barChart({
  id,
  label,
  points,
  caption,
  max,
  axis,
}: {
  id: string;
  label: string;
  points: Bar[];
  caption: string;
  max?: number;
  axis?: string;
}): HTMLElement {
  const top = max ?? Math.max(...points.map((p) => p.value ?? 0), Number.MIN_VALUE);
  const step = WIDTH / Math.max(points.length, 1);
  const width = Math.min(BAR, Math.max(1, step - 2));
  const labelled = points.length <= 12;
  const every = labelled ? 1 : Math.ceil(points.length / 5);
  const named = (i: number): boolean => i % every === 0 || i === points.length - 1;
  const svg = svgNode("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT + 34}`, id, role: "img", "aria-label": label });
  svg.append(svgNode("line", { x1: 0, x2: WIDTH, y1: HEIGHT + 14, y2: HEIGHT + 14, stroke: "#555" }));
  if (axis) {
    svg.append(svgNode("line", { x1: 0, x2: WIDTH, y1: 14, y2: 14, stroke: "#bbb", "stroke-dasharray": "3 3" }));
    svg.append(svgNode("text", { x: 0, y: 10, "font-size": 10, fill: "#333" }, axis));
  }
  points.forEach((point, i) => {
    const h = point.value === null ? 0 : Math.max(1, (Math.min(point.value, top) / top) * HEIGHT);
    const x = i * step + (step - width) / 2;
    const bar = svgNode("rect", { x, y: HEIGHT + 14 - h, width, height: h, fill: "#1f5f4a" });
    bar.append(svgNode("title", {}, point.title));
    svg.append(bar);
    if (labelled && point.text) {
      svg.append(
        svgNode("text", { x: x + width / 2, y: HEIGHT + 10 - h, "text-anchor": "middle", "font-size": 10 }, point.text),
      );
    }
    if (point.label && named(i)) {
      const anchor = labelled ? "middle" : i === 0 ? "start" : i === points.length - 1 ? "end" : "middle";
      const at = anchor === "start" ? x : anchor === "end" ? x + width : x + width / 2;
      svg.append(svgNode("text", { x: at, y: HEIGHT + 28, "text-anchor": anchor, "font-size": 10 }, point.label));
    }
  });
  return el("figure", {}, svg, el("figcaption", {}, caption));
}
