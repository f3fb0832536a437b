// Reads an export with other people's parsers and prints what they saw, as JSON on stdout:
//   node read.js gexf|graphml|cytoscape FILE
// gexf/graphml: graphology's own parsers (graphology-gexf, graphology-graphml), the ones
// Sigma.js and Gephi Lite use; cytoscape: Cytoscape.js itself, headless, with the file's style.
"use strict";
const fs = require("fs");
const Graph = require("graphology");

function graphologySummary(graph) {
  const nodes = {};
  graph.forEachNode((key, attributes) => { nodes[key] = attributes; });
  const edges = [];
  graph.forEachEdge((key, attributes, source, target, _s, _t, undirected) => {
    edges.push({ source, target, undirected, attributes });
  });
  return { type: graph.type, multi: graph.multi, order: graph.order, size: graph.size, attributes: graph.getAttributes(),
           nodes, edges };
}

function readCytoscape(text) {
  const cytoscape = require("cytoscape");
  const doc = JSON.parse(text);
  const cy = cytoscape({ headless: true, styleEnabled: true, elements: doc.elements, style: doc.style, layout: doc.layout,
                         data: doc.data });
  const nodes = {};
  cy.nodes().forEach((node) => {
    nodes[node.id()] = { data: node.data(), position: node.position(), colour: node.style("background-color"),
                         width: node.style("width"), label: node.style("label") };
  });
  const edges = cy.edges().map((edge) => ({ source: edge.source().id(), target: edge.target().id(), data: edge.data(),
                                           arrow: edge.style("target-arrow-shape") }));
  return { order: cy.nodes().length, size: cy.edges().length, name: cy.data("name"), nodes, edges };
}

const [format, file] = process.argv.slice(2);
const text = fs.readFileSync(file, "utf8");
let result;
if (format === "gexf") {
  result = graphologySummary(require("graphology-gexf").parse(Graph, text));
} else if (format === "graphml") {
  result = graphologySummary(require("graphology-graphml").parse(Graph, text));
} else if (format === "cytoscape") {
  result = readCytoscape(text);
} else {
  throw new Error(`unknown format ${format}`);
}
process.stdout.write(JSON.stringify(result), () => process.exit(0));  // Cytoscape.js keeps timers running
