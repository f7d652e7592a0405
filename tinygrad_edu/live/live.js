// The live page: draws a training run's curves, histograms, weight images, decision boundary
// and graph, and sends the controls (pause, one step, lr, nudge) to the run's server.
//
// Inlined into live.html by tinygrad_edu/live/page.py; plain browser JavaScript with canvas
// drawing, no libraries and nothing from the network. Served live, it connects to /events
// (server-sent events: "state" first, then "update", "points", "graph", "nudge", "control",
// "stepper"; see watch.py for what each holds). In the static file of a finished run the
// state is in the page's JSON block and nothing connects anywhere.
// Being inlined into a script element, this file must never contain a closing script tag.

(function () {
  "use strict";
  // The words this script writes (status line, chart labels) in the learner's language
  // (core/messages: live.words.*), from the page's <body data-words>.
  var WORDS = JSON.parse(document.body.getAttribute("data-words"));

  var COLORS = ["#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#795548"];
  var CLASS_COLORS = [[33, 150, 243], [244, 67, 54], [76, 175, 80], [255, 152, 0],
                      [156, 39, 176], [0, 188, 212], [121, 85, 72], [96, 125, 139],
                      [233, 30, 99], [205, 220, 57]];
  var run = null;
  var series = {};
  var control = {};

  function element(id) { return document.getElementById(id); }

  function number(value, digits) {
    if (value === null || value === undefined) { return "–"; }
    var magnitude = Math.abs(value);
    if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) {
      return value.toExponential(digits || 3);
    }
    return value.toPrecision(digits || 4);
  }

  function bytes(base64) {
    var text = atob(base64);
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { out[i] = text.charCodeAt(i); }
    return out;
  }

  // ----- line charts ---------------------------------------------------------------------

  function chartSeries(kind) {
    return Object.keys(series).filter(function (name) {
      var isLoss = name.indexOf("loss") >= 0, isAccuracy = name.indexOf("acc") >= 0;
      if (kind === "loss") { return isLoss; }
      if (kind === "accuracy") { return isAccuracy && !isLoss; }
      return !isLoss && !isAccuracy;
    }).sort();
  }

  function drawChart(canvas, names, title) {
    var context = canvas.getContext("2d");
    var width = canvas.width, height = canvas.height;
    var left = 56, right = 10, top = 22, bottom = 28;
    context.clearRect(0, 0, width, height);
    context.font = "12px Helvetica, Arial, sans-serif";
    context.fillStyle = "#222";
    context.fillText(title, left, 14);
    var total = 0, xMax = 1, yMin = Infinity, yMax = -Infinity;
    names.forEach(function (name) {
      series[name].forEach(function (point) {
        total += 1;
        xMax = Math.max(xMax, point[0]);
        yMin = Math.min(yMin, point[1]);
        yMax = Math.max(yMax, point[1]);
      });
    });
    canvas.setAttribute("data-points", String(total));
    canvas.style.display = names.length || canvas.id !== "other-chart" ? "" : "none";
    if (!total) { return; }
    if (yMax === yMin) { yMax += 0.5; yMin -= 0.5; }
    var x = function (v) { return left + (width - left - right) * v / xMax; };
    var y = function (v) { return top + (height - top - bottom) * (yMax - v) / (yMax - yMin); };
    context.strokeStyle = "#999";
    context.beginPath();
    context.moveTo(left, top); context.lineTo(left, height - bottom);
    context.lineTo(width - right, height - bottom);
    context.stroke();
    context.fillStyle = "#555";
    context.fillText(number(yMax, 3), 2, top + 4);
    context.fillText(number(yMin, 3), 2, height - bottom);
    context.fillText(WORDS.step + " " + xMax, width - right - 70, height - 8);
    names.forEach(function (name, index) {
      var color = COLORS[index % COLORS.length];
      var points = series[name];
      context.strokeStyle = color;
      context.fillStyle = color;
      context.beginPath();
      points.forEach(function (point, k) {
        if (k === 0) { context.moveTo(x(point[0]), y(point[1])); }
        else { context.lineTo(x(point[0]), y(point[1])); }
      });
      context.stroke();
      if (points.length < 40) {
        points.forEach(function (point) { context.fillRect(x(point[0]) - 2, y(point[1]) - 2, 4, 4); });
      }
      var last = points[points.length - 1];
      context.fillText(name + " " + number(last[1], 4), width - right - 200, top + 12 + 14 * index);
    });
  }

  function drawCharts() {
    drawChart(element("loss-chart"), chartSeries("loss"), WORDS.cost);
    drawChart(element("accuracy-chart"), chartSeries("accuracy"), WORDS.accuracy);
    drawChart(element("other-chart"), chartSeries("other"), WORDS.other);
  }

  function addPoints(points) {
    Object.keys(points || {}).forEach(function (name) {
      (series[name] = series[name] || []).push(points[name]);
    });
  }

  // ----- histograms ------------------------------------------------------------------------

  function histogramCanvas(hist, color, step) {
    var canvas = document.createElement("canvas");
    canvas.width = 220; canvas.height = 64;
    canvas.setAttribute("data-step", String(step));
    if (!hist) { canvas.setAttribute("data-counts", ""); return canvas; }
    canvas.setAttribute("data-counts", hist.counts.join(","));
    canvas.setAttribute("data-lo", String(hist.lo));
    canvas.setAttribute("data-hi", String(hist.hi));
    var context = canvas.getContext("2d");
    var most = Math.max.apply(null, hist.counts) || 1;
    var barWidth = canvas.width / hist.counts.length;
    context.fillStyle = color;
    hist.counts.forEach(function (count, i) {
      var barHeight = (canvas.height - 14) * count / most;
      context.fillRect(i * barWidth, canvas.height - 14 - barHeight, barWidth - 1, barHeight);
    });
    context.fillStyle = "#333";
    context.font = "10px monospace";
    context.fillText(number(hist.lo, 2), 0, canvas.height - 2);
    var hiText = number(hist.hi, 2);
    context.fillText(hiText, canvas.width - 7 * hiText.length, canvas.height - 2);
    return canvas;
  }

  function cell(row, content) {
    var td = document.createElement("td");
    if (typeof content === "string") { td.textContent = content; } else { td.appendChild(content); }
    row.appendChild(td);
    return td;
  }

  function drawLayers(layers, step) {
    var body = element("layers").querySelector("tbody");
    body.innerHTML = "";
    element("layers-section").hidden = !layers || !layers.length;
    (layers || []).forEach(function (layer) {
      var row = document.createElement("tr");
      row.setAttribute("data-layer", layer.name);
      cell(row, layer.name);
      cell(row, histogramCanvas(layer.activation, "#1565c0", step)).className = "activation";
      cell(row, histogramCanvas(layer.gradient, "#c62828", step)).className = "gradient";
      var saturated = layer.saturated === null ? "–" : (100 * layer.saturated).toFixed(1) + "%";
      var td = cell(row, saturated);
      td.className = "saturated";
      if (layer.saturated !== null) { td.title = run.saturation[layer.kind]; }
      body.appendChild(row);
    });
  }

  function drawParameters(parameters, step) {
    var body = element("parameters").querySelector("tbody");
    body.innerHTML = "";
    (parameters || []).forEach(function (p) {
      var row = document.createElement("tr");
      row.setAttribute("data-parameter", p.name);
      cell(row, p.name + " " + JSON.stringify(p.shape));
      cell(row, histogramCanvas(p.value, "#2e7d32", step)).className = "value";
      cell(row, histogramCanvas(p.grad, "#c62828", step)).className = "grad";
      cell(row, number(p.ratio, 3)).className = "ratio";
      body.appendChild(row);
    });
  }

  // ----- images: the weights and the decision boundary --------------------------------------

  function drawWeights(weights, step) {
    element("weights-section").hidden = !weights;
    if (!weights) { return; }
    var canvas = element("weights");
    var side = weights.side, scale = 2, gap = 3, columns = 10;
    var rows = Math.ceil(weights.count / columns);
    var tile = side * scale + gap;
    canvas.width = columns * tile; canvas.height = rows * tile;
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    var pixels = bytes(weights.pixels);
    var image = context.createImageData(side, side);
    var scratch = document.createElement("canvas");
    scratch.width = side; scratch.height = side;
    for (var unit = 0; unit < weights.count; unit++) {
      for (var i = 0; i < side * side; i++) {
        var v = pixels[unit * side * side + i];
        image.data[4 * i] = v; image.data[4 * i + 1] = v; image.data[4 * i + 2] = v;
        image.data[4 * i + 3] = 255;
      }
      scratch.getContext("2d").putImageData(image, 0, 0);
      context.imageSmoothingEnabled = false;
      context.drawImage(scratch, (unit % columns) * tile, Math.floor(unit / columns) * tile,
                        side * scale, side * scale);
    }
    canvas.setAttribute("data-step", String(step));
  }

  function drawBoundary(boundary, step) {
    element("boundary-section").hidden = !run || !run.two_d;
    if (!boundary || !run.data) { return; }
    var canvas = element("boundary");
    var context = canvas.getContext("2d");
    var n = boundary.resolution, classes = bytes(boundary.classes);
    var confidence = bytes(boundary.confidence);
    // one pixel per grid cell, mixed with white by the confidence, then scaled up smoothly
    var scratch = document.createElement("canvas");
    scratch.width = n; scratch.height = n;
    var image = scratch.getContext("2d").createImageData(n, n);
    for (var k = 0; k < n * n; k++) {
      var rgb = CLASS_COLORS[classes[k] % CLASS_COLORS.length];
      var alpha = 0.15 + 0.55 * confidence[k] / 255;
      for (var c = 0; c < 3; c++) { image.data[4 * k + c] = Math.round(255 - alpha * (255 - rgb[c])); }
      image.data[4 * k + 3] = 255;
    }
    scratch.getContext("2d").putImageData(image, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingEnabled = true;
    context.drawImage(scratch, 0, 0, canvas.width, canvas.height);
    var box = boundary.box;
    run.data.x.forEach(function (point, i) {
      var px = canvas.width * (point[0] - box[0]) / (box[1] - box[0]);
      var py = canvas.height * (box[3] - point[1]) / (box[3] - box[2]);
      var rgb = CLASS_COLORS[run.data.label[i] % CLASS_COLORS.length];
      context.fillStyle = "rgb(" + rgb.join(",") + ")";
      context.strokeStyle = "#111";
      context.beginPath();
      context.arc(px, py, 3, 0, 2 * Math.PI);
      context.fill();
      context.stroke();
    });
    canvas.setAttribute("data-step", String(step));
  }

  // ----- the graph, the nudge, the stepper ----------------------------------------------------

  function drawGraph(graph) {
    if (!graph) { return; }
    if (graph.error) { element("graph-step").textContent = graph.error; return; }
    element("graph").innerHTML = graph.svg;  // graphviz's SVG: its labels are XML-escaped
    element("graph").setAttribute("data-step", String(graph.step));
    element("graph-step").textContent = WORDS.drawn_at + " " + graph.step;
  }

  function showNudge(result) {
    var table = element("nudge-result");
    table.setAttribute("data-count", String(Number(table.getAttribute("data-count")) + 1));
    if (result.error) { element("message").textContent = result.error; return; }
    element("nudge-w").textContent = result.parameter + "[" + result.index + "] = " + number(result.w, 6);
    element("nudge-c").textContent = number(result.C, 8);
    element("nudge-gradient").textContent = number(result.gradient, 6);
    element("nudge-actual").textContent = number(result.actual, 6);
    element("nudge-predicted").textContent = number(result.predicted, 6);
    ["actual", "predicted", "gradient", "C", "delta"].forEach(function (key) {
      table.setAttribute("data-" + key.toLowerCase(), String(result[key]));
    });
  }

  function showStepper(answer) {
    if (answer.error) { element("message").textContent = answer.error; return; }
    element("stepper-section").hidden = false;
    element("stepper").src = answer.url + "?step=" + answer.step;
  }

  function showControl(state) {
    control = state || control;
    element("step").textContent = String(control.steps);
    element("lr").textContent = number(control.lr, 4);
    document.body.setAttribute("data-step", String(control.steps));
    document.body.setAttribute("data-paused", String(!!control.paused));
    document.body.setAttribute("data-lr", String(control.lr));
    if (document.body.getAttribute("data-mode") === "live") {
      element("status").textContent = control.paused ? WORDS.paused : WORDS.training;
    }
  }

  function showUpdate(update) {
    addPoints(update.points);
    drawCharts();
    drawLayers(update.layers, update.step);
    drawParameters(update.parameters, update.step);
    drawWeights(update.weights, update.step);
    drawBoundary(update.boundary, update.step);
    showControl({steps: update.step, paused: update.paused, lr: update.lr});
    document.body.setAttribute("data-update", String(update.step));
  }

  function start(state) {
    run = state.run;
    series = state.series || {};
    var select = element("nudge-parameter");
    select.innerHTML = "";
    run.parameters.forEach(function (p) {
      var option = document.createElement("option");
      option.value = p.name;
      option.textContent = p.name + " " + JSON.stringify(p.shape);
      select.appendChild(option);
    });
    if (state.latest) { showUpdate(Object.assign({}, state.latest, {points: {}})); }
    drawCharts();
    drawGraph(state.graph);
    (state.nudges || []).forEach(showNudge);
    showControl(state.control);
    if (control.lr !== null && control.lr !== undefined) { element("lr-input").value = control.lr; }
    element("boundary-section").hidden = !run.two_d;
  }

  // ----- talking to the run -------------------------------------------------------------------

  function send(request) {
    element("message").textContent = "";
    return fetch("/control", {method: "POST", headers: {"Content-Type": "application/json"},
                              body: JSON.stringify(request)})
      .then(function (response) { return response.json(); })
      .then(function (answer) { if (answer.error) { element("message").textContent = answer.error; } })
      .catch(function () { element("message").textContent = WORDS.server_gone; });
  }

  function connect() {
    var source = new EventSource("/events");
    var on = function (kind, handler) {
      source.addEventListener(kind, function (event) { handler(JSON.parse(event.data)); });
    };
    on("state", start);
    on("update", showUpdate);
    on("points", function (message) { addPoints(message.points); drawCharts(); });
    on("graph", drawGraph);
    on("nudge", showNudge);
    on("control", showControl);
    on("stepper", showStepper);
    on("failed", function (failure) {
      element("message").textContent = failure.action + ": " + failure.error;
    });
    source.onerror = function () {
      element("status").textContent = WORDS.disconnected;
      if (source.readyState === EventSource.CLOSED) { source.close(); }
    };
  }

  function finished() {
    document.body.setAttribute("data-mode", "finished");
    element("status").textContent = WORDS.finished;
    element("controls").querySelectorAll("button, input").forEach(function (b) { b.disabled = true; });
    element("nudge-go").disabled = true;
  }

  element("pause").addEventListener("click", function () { send({action: "pause"}); });
  element("resume").addEventListener("click", function () { send({action: "resume"}); });
  element("one-step").addEventListener("click", function () { send({action: "step"}); });
  element("lr-set").addEventListener("click", function () {
    send({action: "lr", value: Number(element("lr-input").value)});
  });
  element("stepper-open").addEventListener("click", function () { send({action: "stepper"}); });
  element("nudge-go").addEventListener("click", function () {
    send({action: "nudge", parameter: element("nudge-parameter").value,
          index: Math.floor(Number(element("nudge-index").value)),
          delta: Number(element("nudge-delta").value)});
  });

  var embedded = element("live-state").textContent.trim();
  if (embedded) {
    finished();
    start(JSON.parse(embedded));
  } else {
    connect();
  }
})();
