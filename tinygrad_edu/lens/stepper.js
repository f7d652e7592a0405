// The backprop stepper: walks the steps of backward() one node at a time on the page's graph.
//
// Inlined into stepper.html by tinygrad_edu/lens/stepper.py; plain browser JavaScript, no
// libraries and nothing from the network, so the written page works offline from file://.
//
// It reads the steps from the page's JSON block (the element with id "steps-data"), a list in
// the order backward() visits the nodes. Each step (see stepper_steps in stepper.py):
//   op_node, tensor_node   SVG ids of the op and of its output tensor ("op3", "t3")
//   op, output_label       the op's name and the output tensor's label
//   upstream, upstream_shape, rule   δ(output) as text, its shape, the rule from ops.py
//   sent                   one entry per input that receives a gradient:
//                          parent_node, parent_label, edge (SVG id "e3_0"), equation, shape, value
// The SVG ids are the ones viz.py gives graphviz, so a step can find its nodes and edges.
// Being inlined into a script element, this file must never contain a closing script tag,
// not even in a comment: the HTML parser would end the script there.

(function () {
  "use strict";

  var steps = JSON.parse(document.getElementById("steps-data").textContent);
  var current = 0;
  var HIGHLIGHTS = ["current", "done", "upstream", "receiving", "sending"];

  function element(id) {
    return document.getElementById(id);
  }

  // An id the picture lacks is skipped, so the panel still shows the step's text.
  function mark(id, cls) {
    var found = id && element(id);
    if (found) {
      found.classList.add(cls);
    }
  }

  function clearHighlights() {
    HIGHLIGHTS.forEach(function (cls) {
      document.querySelectorAll("#graph ." + cls).forEach(function (marked) {
        marked.classList.remove(cls);
      });
    });
  }

  // One list item per gradient sent: the chain-rule equation, where it goes, and the numbers.
  // textContent (never innerHTML) keeps tensor names such as "<b>" as plain text.
  function sentItem(s) {
    var item = document.createElement("li");
    item.setAttribute("data-parent", s.parent_node);
    var equation = document.createElement("div");
    equation.className = "equation";
    equation.textContent = s.equation;
    var detail = document.createElement("div");
    detail.className = "gradient";
    detail.textContent = "to " + s.parent_label + ", shape " + s.shape + ":";
    var numbers = document.createElement("pre");
    numbers.className = "number";
    numbers.textContent = s.value;
    item.appendChild(equation);
    item.appendChild(detail);
    item.appendChild(numbers);
    return item;
  }

  function show(index) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    var step = steps[current];

    clearHighlights();
    for (var j = 0; j < current; j++) {
      mark(steps[j].op_node, "done");
    }
    mark(step.op_node, "current");
    mark(step.tensor_node, "upstream");

    var list = element("sent");
    list.innerHTML = "";
    step.sent.forEach(function (s) {
      mark(s.edge, "sending");
      mark(s.parent_node, "receiving");
      list.appendChild(sentItem(s));
    });

    element("step-counter").textContent = "step " + (current + 1) + " of " + steps.length;
    element("node-id").textContent = step.op_node;
    element("op-name").textContent = step.op;
    element("output-label").textContent = step.output_label;
    element("upstream-label").textContent = step.output_label;
    element("upstream-label-again").textContent = step.output_label;
    element("upstream-shape").textContent = step.upstream_shape;
    element("upstream").textContent = step.upstream;
    element("rule").textContent = step.rule;
    element("prev").disabled = current === 0;
    element("next").disabled = current === steps.length - 1;
    // For tests and for styling: which step (1-based) the page shows.
    document.body.setAttribute("data-step", String(current + 1));
  }

  element("prev").addEventListener("click", function () { show(current - 1); });
  element("next").addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") { show(current + 1); }
    if (event.key === "ArrowLeft") { show(current - 1); }
  });

  show(0);
})();
