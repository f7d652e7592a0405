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
// A page of the whole training step (tg.viz.html(loss, path, optimizer=opt)) has more kinds of
// step, each with its own panel (see training_step.py): "forward" (op_node, tensor_node, op,
// formula, output_label, output_shape, output, inputs: label, node, edge, shape, value),
// "cost" (tensor_node, label, value), "backward" (the steps above) and "update" (parameter,
// tensor_node, optimizer, rule, hyperparameters, shape, before, gradient, buffers, after, change).
// Being inlined into a script element, this file must never contain a closing script tag,
// not even in a comment: the HTML parser would end the script there.

(function () {
  "use strict";

  var steps = JSON.parse(document.getElementById("steps-data").textContent);
  var current = 0;
  var HIGHLIGHTS = ["current", "done", "upstream", "receiving", "sending", "computing",
                    "computed", "feeding", "updated"];
  var PANELS = {forward: "forward-panel", cost: "cost-panel", backward: "backward-panel",
                update: "update-panel"};
  // The page's words in the learner's language (core/messages: stepper.phase.*, of, step, to).
  var WORDS = JSON.parse(document.body.getAttribute("data-words"));
  var PHASES = WORDS.phases;

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
    detail.textContent = WORDS.to + " " + s.parent_label + ", " + WORDS.shape + " " + s.shape + ":";
    var numbers = document.createElement("pre");
    numbers.className = "number";
    numbers.textContent = s.value;
    item.appendChild(equation);
    item.appendChild(detail);
    item.appendChild(numbers);
    return item;
  }

  function kindOf(step) {
    return step.kind || "backward";
  }

  function setText(id, text) {
    element(id).textContent = text;
  }

  function listItem(heading, numbers, attribute) {
    var item = document.createElement("li");
    if (attribute) { item.setAttribute("data-name", attribute); }
    var title = document.createElement("div");
    title.className = "gradient";
    title.textContent = heading;
    var pre = document.createElement("pre");
    pre.className = "number";
    pre.textContent = numbers;
    item.appendChild(title);
    item.appendChild(pre);
    return item;
  }

  function showBackward(step) {
    mark(step.op_node, "current");
    mark(step.tensor_node, "upstream");
    var list = element("sent");
    list.innerHTML = "";
    step.sent.forEach(function (s) {
      mark(s.edge, "sending");
      mark(s.parent_node, "receiving");
      list.appendChild(sentItem(s));
    });
    setText("node-id", step.op_node);
    setText("op-name", step.op);
    setText("output-label", step.output_label);
    setText("upstream-label", step.output_label);
    setText("upstream-label-again", step.output_label);
    setText("upstream-shape", step.upstream_shape);
    setText("upstream", step.upstream);
    setText("rule", step.rule);
  }

  function showForward(step) {
    mark(step.op_node, "computing");
    mark(step.tensor_node, "computed");
    var list = element("forward-inputs");
    list.innerHTML = "";
    step.inputs.forEach(function (input) {
      mark(input.node, "feeding");
      mark(input.edge, "feeding");
      list.appendChild(listItem(input.label + ", shape " + input.shape + ":", input.value,
                                input.label));
    });
    setText("forward-op", step.op + " (" + step.op_node + ")");
    setText("forward-output-label", step.output_label);
    setText("forward-output-label-again", step.output_label);
    setText("forward-output-shape", step.output_shape);
    setText("forward-formula", step.formula);
    setText("forward-output", step.output);
  }

  function showCost(step) {
    mark(step.tensor_node, "computed");
    setText("cost-label", step.label);
    setText("cost-label-again", step.label);
    setText("cost-value", step.value);
  }

  function showUpdate(step) {
    mark(step.tensor_node, "updated");
    setText("update-parameter", step.parameter);
    setText("update-shape", step.shape);
    setText("update-optimizer", step.optimizer);
    setText("update-rule", step.rule);
    setText("update-hyperparameters", Object.keys(step.hyperparameters).map(function (key) {
      return key + " = " + JSON.stringify(step.hyperparameters[key]);
    }).join(", "));
    setText("update-before", step.before);
    setText("update-gradient", step.gradient);
    setText("update-after", step.after);
    setText("update-change", step.change);
    var list = element("update-buffers");
    list.innerHTML = "";
    Object.keys(step.buffers).forEach(function (key) {
      list.appendChild(listItem(key + ":", step.buffers[key], key));
    });
  }

  var SHOW = {forward: showForward, cost: showCost, backward: showBackward, update: showUpdate};

  function show(index) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    var step = steps[current];
    var kind = kindOf(step);

    clearHighlights();
    var inKind = 0, ofKind = 0;
    for (var j = 0; j < steps.length; j++) {
      if (kindOf(steps[j]) !== kind) { continue; }
      ofKind += 1;
      if (j < current) {
        inKind += 1;
        mark(steps[j].op_node, "done");
      }
    }
    Object.keys(PANELS).forEach(function (name) {
      var panel = element(PANELS[name]);
      if (panel) { panel.hidden = name !== kind; }
    });
    SHOW[kind](step);
    var phase = element("phase");
    if (phase) {
      phase.textContent = PHASES[kind] + ": " + (inKind + 1) + " " + WORDS.of + " " + ofKind;
    }

    element("step-counter").textContent = WORDS.step + " " + (current + 1) + " " + WORDS.of + " " +
      steps.length;
    element("prev").disabled = current === 0;
    element("next").disabled = current === steps.length - 1;
    // For tests and for styling: which step (1-based) the page shows, and its kind.
    document.body.setAttribute("data-step", String(current + 1));
    document.body.setAttribute("data-kind", kind);
  }

  element("prev").addEventListener("click", function () { show(current - 1); });
  element("next").addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") { show(current + 1); }
    if (event.key === "ArrowLeft") { show(current - 1); }
  });

  show(0);
})();
