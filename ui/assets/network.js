// The app's network picture (ui/graph_view.py): an SVG of nodes at the positions Python
// computed (graph/layout.py, the layout the exports carry), edges by weight, and names.
//
// Names are library text: they only ever reach the page as text nodes (textContent),
// never as markup. Labels are placed greedily, largest node first, below, above, right
// or left of their node (or at a corner), wherever the box overlaps no other label and no node; a node
// whose name fits nowhere shows it on hover. Wheel zooms, dragging the background pans,
// and both place the labels again (more fit when zoomed in). A click on a node sends
// its index back to Python ("clicked"). Where the layout packs nodes closer than their sizes,
// all nodes are drawn smaller (down to 35 %), so they do not hide each other and their edges.
const SVG = "http://www.w3.org/2000/svg";
const LABEL_SIZE = 12; // px, whatever the zoom
const LABEL_HEIGHT = 15; // the drawn text box of a 12 px line
const GAP = 3; // between a node and its label
const PAD = 2; // kept free around every label

function make(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function overlaps(a, b) {
  return a.x1 < b.x2 + PAD && b.x1 < a.x2 + PAD && a.y1 < b.y2 + PAD && b.y1 < a.y2 + PAD;
}

function hitsCircle(box, cx, cy, r) {
  const dx = Math.max(box.x1 - cx, 0, cx - box.x2);
  const dy = Math.max(box.y1 - cy, 0, cy - box.y2);
  return dx * dx + dy * dy < (r + PAD) * (r + PAD);
}

function draw(host, data, send) {
  const root = document.createElement("div");
  root.className = "pk-net";
  root.style.height = `${data.height}px`;
  const svg = make("svg", { class: "pk-canvas", width: "100%", height: String(data.height) });
  svg.style.fontFamily = data.font;
  const edgeLayer = make("g", { class: "pk-edges" });
  const nodeLayer = make("g", { class: "pk-nodes" });
  const labelLayer = make("g", { class: "pk-labels" });
  const hoverLayer = make("g", { class: "pk-hover" });
  svg.append(edgeLayer, nodeLayer, labelLayer, hoverLayer);
  const fitButton = document.createElement("button");
  fitButton.className = "pk-fit";
  fitButton.type = "button";
  fitButton.textContent = "⤢";
  fitButton.title = data.text.fit;
  root.append(svg, fitButton);
  host.appendChild(root);

  const measure = document.createElement("canvas").getContext("2d");
  measure.font = `${LABEL_SIZE}px ${data.font}`;
  const nodes = data.nodes.map((n, i) => ({ ...n, i, width: measure.measureText(n.label).width }));
  const order = [...nodes].sort((a, b) => b.focus - a.focus || b.r - a.r || a.i - b.i);
  const view = { scale: 1, tx: 0, ty: 0, fitted: 1, shrink: 1 };
  const screen = (n) => [n.x * view.scale + view.tx, n.y * view.scale + view.ty];

  const lines = data.edges.map(([a, b, width, focus]) => {
    const line = make("line", { class: focus ? "pk-edge pk-edge-focus" : "pk-edge", "stroke-width": String(width) });
    line.dataset.a = a;
    line.dataset.b = b;
    edgeLayer.appendChild(line);
    return line;
  });
  const circles = [];
  for (const n of [...nodes].sort((a, b) => a.r - b.r || a.i - b.i)) {
    const circle = make("circle", { class: n.focus ? "pk-node pk-focus" : "pk-node", r: String(n.r), fill: n.colour });
    circle.dataset.i = n.i;
    const tip = make("title");
    tip.textContent = n.full;
    circle.appendChild(tip);
    circle.addEventListener("click", () => send(n.i));
    circle.addEventListener("mouseenter", () => hover(n));
    circle.addEventListener("mouseleave", () => hover(null));
    nodeLayer.appendChild(circle);
    circles[n.i] = circle;
  }

  function fit() {
    const width = svg.clientWidth || root.clientWidth || 600;
    const height = data.height;
    const margin = 24 + Math.max(...nodes.map((n) => n.r), 0);
    const xs = nodes.map((n) => n.x), ys = nodes.map((n) => n.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const scale = Math.min((width - 2 * margin) / Math.max(x1 - x0, 1e-9), (height - 2 * margin) / Math.max(y1 - y0, 1e-9));
    view.scale = nodes.length > 1 && Number.isFinite(scale) && scale > 0 ? scale : 1;
    view.tx = width / 2 - ((x0 + x1) / 2) * view.scale;
    view.ty = height / 2 - ((y0 + y1) / 2) * view.scale;
    view.fitted = view.scale;
    view.shrink = shrinkage();
    place();
  }

  function shrinkage() {  // the median gap to the nearest node against the median node size
    if (nodes.length < 2) return 1;
    const gaps = nodes.map((n) => Math.min(...nodes.filter((m) => m !== n).map(
      (m) => Math.hypot(m.x - n.x, m.y - n.y) * view.scale)));
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    return Math.min(1, Math.max(0.35, median(gaps) / (2.2 * median(nodes.map((n) => n.r)))));
  }

  function place() {
    for (const line of lines) {
      const [ax, ay] = screen(nodes[line.dataset.a]);
      const [bx, by] = screen(nodes[line.dataset.b]);
      line.setAttribute("x1", ax);
      line.setAttribute("y1", ay);
      line.setAttribute("x2", bx);
      line.setAttribute("y2", by);
    }
    const grow = Math.min(2.5, Math.max(0.5, Math.sqrt(view.scale / view.fitted)));
    for (const n of nodes) {
      const [x, y] = screen(n);
      n.sx = x;
      n.sy = y;
      n.rr = Math.max(3, n.r * view.shrink * grow);
      circles[n.i].setAttribute("cx", x);
      circles[n.i].setAttribute("cy", y);
      circles[n.i].setAttribute("r", n.rr);
    }
    label();
  }

  function label() {
    labelLayer.replaceChildren();
    const width = svg.clientWidth || 600, height = data.height;
    const taken = [];
    for (const n of order) {
      if (!n.label || n.sx < 0 || n.sy < 0 || n.sx > width || n.sy > height) continue;
      const w = n.width, h = LABEL_HEIGHT, r = n.rr;
      const spots = [
        { x1: n.sx - w / 2, y1: n.sy + r + GAP },
        { x1: n.sx - w / 2, y1: n.sy - r - GAP - h },
        { x1: n.sx + r + GAP, y1: n.sy - h / 2 },
        { x1: n.sx - r - GAP - w, y1: n.sy - h / 2 },
        { x1: n.sx + r * 0.7, y1: n.sy + r * 0.7 },
        { x1: n.sx + r * 0.7, y1: n.sy - r * 0.7 - h },
        { x1: n.sx - r * 0.7 - w, y1: n.sy + r * 0.7 },
        { x1: n.sx - r * 0.7 - w, y1: n.sy - r * 0.7 - h },
      ].map((s) => ({ ...s, x2: s.x1 + w, y2: s.y1 + h }));
      const spot = spots.find((box) => box.x1 >= 0 && box.y1 >= 0 && box.x2 <= width && box.y2 <= height
        && !taken.some((other) => overlaps(box, other))
        && !nodes.some((m) => hitsCircle(box, m.sx, m.sy, m.rr)));
      if (!spot) continue;
      taken.push(spot);
      const text = make("text", { class: n.focus ? "pk-label pk-label-focus" : "pk-label", x: String(spot.x1),
                                  y: String(spot.y1 + h - 4), "font-size": String(LABEL_SIZE) });
      text.dataset.i = n.i;
      text.textContent = n.label;
      labelLayer.appendChild(text);
    }
  }

  function hover(n) {
    hoverLayer.replaceChildren();
    for (const line of lines) {
      line.classList.toggle("pk-edge-lit", n !== null && (+line.dataset.a === n.i || +line.dataset.b === n.i));
    }
    if (n === null) return;
    const text = make("text", { class: "pk-hover-text", x: String(n.sx + n.rr + GAP), y: String(n.sy + 4),
                                "font-size": String(LABEL_SIZE + 1) });
    text.textContent = n.full;
    hoverLayer.appendChild(text);
    const box = text.getBBox();
    const back = make("rect", { class: "pk-hover-back", x: String(box.x - 3), y: String(box.y - 2),
                                width: String(box.width + 6), height: String(box.height + 4), rx: "3" });
    hoverLayer.insertBefore(back, text);
  }

  let pending = false;
  const later = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; place(); });
  };
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const bounds = svg.getBoundingClientRect();
    const mx = event.clientX - bounds.left, my = event.clientY - bounds.top;
    const factor = Math.exp(-event.deltaY * 0.0015);
    view.tx = mx - (mx - view.tx) * factor;
    view.ty = my - (my - view.ty) * factor;
    view.scale *= factor;
    later();
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (event.target.classList?.contains("pk-node")) return;
    drag = { x: event.clientX, y: event.clientY };
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    view.tx += event.clientX - drag.x;
    view.ty += event.clientY - drag.y;
    drag = { x: event.clientX, y: event.clientY };
    later();
  });
  svg.addEventListener("pointerup", () => { drag = null; });
  fitButton.addEventListener("click", fit);
  const resized = new ResizeObserver(() => fit());
  resized.observe(root);
  fit();
  return () => { resized.disconnect(); root.remove(); };
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const drawn = JSON.stringify(data);
  if (parentElement.__pkNetwork?.drawn !== drawn) {  // a rerun with the same picture keeps zoom and pan
    parentElement.__pkNetwork?.remove();
    parentElement.__pkNetwork = { drawn, remove: draw(parentElement, data, (i) => setTriggerValue("clicked", i)) };
  }
  return () => {
    parentElement.__pkNetwork?.remove();
    parentElement.__pkNetwork = null;
  };
}
