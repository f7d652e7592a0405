"""What each lesson notebook must show, checked on the record it writes (numbers and figures).

`CHECKS[number](record)` gets the lesson's JSON record (lesson_tools.Lesson): `comparisons`
(the lecture's number beside the lesson's), `records` (other numbers) and `figures` (per
figure: its axes with titles, labels and each curve's points).
"""

import numpy as np
import pytest


def here(record, what):
    return record["comparisons"][what]["here"]


def lecture_matches(record, what, abs=None, rel=None):
    entry = record["comparisons"][what]
    assert entry["here"] == pytest.approx(entry["lecture"], abs=abs, rel=rel), what


def lines(record, figure, axes=None):
    chosen = record["figures"][figure]["axes"]
    if axes is not None:
        chosen = [chosen[axes]]
    return [line for ax in chosen for line in ax["lines"]]


def check_01(record):
    r = record["records"]
    lecture_matches(record, "AND: x·w + b for the input (0, 1) at the start", abs=1e-9)
    lecture_matches(record, "AND: weights after the first mistake", abs=1e-9)
    assert r["and_final_weights"] == pytest.approx([0.4, 0.4])
    assert 0.3 == pytest.approx(r["and_weighted_sums"][-1])  # (1, 1) → 0.8 − 0.5 at the end
    for gate in ("AND", "OR", "NAND"):
        assert r["gates"][gate]["converged"], gate
    assert not r["gates"]["XOR"]["converged"] and min(r["gates"]["XOR"]["mistakes"]) > 0
    assert r["xor_by_hand"] == [0, 1, 1, 0] and r["nand_by_hand"] == [1, 1, 1, 0]
    assert [int(v > 0.5) for v in r["xor_network_outputs"]] == [0, 1, 1, 0]
    axes = record["figures"]["gates"]["axes"]
    assert len(axes) == 4 and "no line" in axes[3]["title"]
    assert all(ax["collections"] >= 1 for ax in axes)  # the four points are drawn


def check_02(record):
    r = record["records"]
    curves = record["figures"]["activations"]["axes"]
    names = ["step", "linear", "saturated linear", "sigmoid", "tanh", "gaussian"]
    assert [line["label"] for line in curves[0]["lines"]] == names
    assert [line["label"] for line in curves[1]["lines"]] == [n + "′" for n in names]
    by_name = {line["label"]: np.array(line["y"]) for line in curves[0]["lines"] + curves[1]["lines"]}
    x = np.array(curves[0]["lines"][0]["x"])
    assert by_name["sigmoid"] == pytest.approx(1 / (1 + np.exp(-x)), abs=1e-9)
    assert by_name["sigmoid′"].max() == pytest.approx(0.25, abs=1e-4)
    assert by_name["gaussian′"] == pytest.approx(-2 * x * np.exp(-x * x), abs=1e-9)
    assert set(by_name["step"]) == {0.0, 1.0} and not by_name["step′"].any()
    assert max(r["derivative_errors"].values()) < 1e-9
    lecture_matches(record, "σ′(0), the sigmoid's largest slope", abs=1e-12)
    assert r["limits"]["σ(−30)"] < 1e-12 and r["limits"]["σ(30)"] > 1 - 1e-12
    assert r["sigmoid_10z_vs_step_at_half"] < 0.01
    errors = [row[3] for row in r["linearization"]]
    for bigger, smaller in zip(errors, errors[1:]):
        assert 3.0 < bigger / smaller < 5.0  # O(ε²): halving ε divides the error by about 4
    for eps, predicted, actual, _ in r["linearization"]:
        assert predicted == pytest.approx(actual, rel=0.1)
    labels = [line["label"] for line in lines(record, "step_vs_sigmoid")]
    assert labels[0] == "step" and len(labels) == 4
    assert r["exercise_ok"]



def check_03(record):
    r = record["records"]
    lecture_matches(record, "weights and biases of 784-30-10", abs=0)
    axes = record["figures"]["networks"]["axes"]
    assert "784-30-10" in axes[0]["title"] and len(axes) == 2
    assert axes[0]["collections"] == 3 and axes[1]["collections"] == 5  # one per layer
    assert len(axes[0]["lines"]) == 8 * 8 + 8 * 8  # every edge between the drawn neurons
    assert r["depth_parameters"] == [784 * 10 + 10] + [
        784 * 30 + 30 + (k - 1) * (30 * 30 + 30) + 30 * 10 + 10 for k in range(1, 5)]
    # each hidden layer adds a Linear and a Sigmoid node to every step (times are printed and
    # drawn, not asserted: the machine is shared)
    assert np.diff(r["depth_ops"]).tolist() == [2, 2, 2, 2] and len(r["depth_seconds"]) == 5
    assert r["rnn_ops"]["products"] == 8 and r["rnn_ops"]["Tanh"] == 4 and r["rnn_gradcheck"]
    assert r["rnn_svg_bytes"] > 1000



def check_04(record):
    r = record["records"]
    for what in ("training images", "test images", "input neurons (28 × 28 pixels)"):
        lecture_matches(record, what, abs=0)
    assert r["y_of_6"] == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0]   # the slide's vector is y_of_5
    assert r["y_of_5"] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    digits = record["figures"]["digits"]["axes"]
    assert len(digits) == 20 and all(ax["images"] == 1 for ax in digits)
    assert [int(ax["title"]) for ax in digits] == r["first_labels"]
    ten, four = np.array(r["accuracy_10_outputs"]), np.array(r["accuracy_4_outputs"])
    assert len(ten) == len(four) >= 3 and (ten > 0.5).all() and (four > 0.3).all()
    assert ten.mean() > four.mean()



def check_05(record):
    r = record["records"]
    costs = np.array(r["path_costs"])
    assert (np.diff(costs) < 0).all()                      # the descent path decreases C
    surface = record["figures"]["cost_surface"]["axes"]
    path_line = surface[0]["lines"][0]
    x, y = np.array(path_line["x"]), np.array(path_line["y"])
    assert np.allclose((x ** 2 - 1) ** 2 + 0.3 * x + y ** 2, costs[:len(x)], atol=1e-9)
    assert surface[0]["collections"] > 0 and surface[1]["name"] == "3d"
    predicted, actual = np.array(r["predicted"]), np.array(r["actual"])
    assert (predicted < 0).all()
    late = slice(5, None)                                   # small gradients: ΔC ≈ −η‖∇C‖²
    assert actual[late] == pytest.approx(predicted[late], rel=0.1)
    etas = r["eta_rows"]
    assert abs(etas[0][2] / etas[0][1] - 1) < abs(etas[2][2] / etas[2][1] - 1)  # smaller η, closer
    assert etas[-1][2] > 0                                  # a too large η makes C go up
    ends = r["descent_ends"]
    assert ends["1.6"][0] == pytest.approx(r["calculus_minima"][1], abs=1e-3)   # a local minimum
    assert ends["-1.6"][0] == pytest.approx(r["global_minimum"], abs=1e-3)
    assert r["global_minimum"] == pytest.approx(r["calculus_minima"][0])
    assert r["exercise_ok"]



def check_06(record):
    r = record["records"]
    errors, cosines = np.array(r["relative_errors"]), np.array(r["cosines"])
    assert (np.diff(errors) < 0).all() and (np.diff(cosines) > 0).all()
    # about 1/√m from m = 1 to m = 100 (a factor 10); sampling without replacement helps at 1000
    assert 5 < errors[0] / errors[2] < 20 and cosines[-1] > 0.95
    lecture_matches(record, "speed-up per update, n/m", abs=0)
    gd, sgd = r["gd"], r["sgd"]
    assert sgd["updates"][-1] > 10 * gd["updates"][-1]
    assert sgd["accuracy"][-1] > gd["accuracy"][-1] + 0.1      # SGD ahead after one pass
    assert len(sgd["seconds"]) == len(sgd["accuracy"]) and sgd["seconds"][-1] > 0
    axes = record["figures"]["gd_vs_sgd"]["axes"]
    assert [line["label"] for line in axes[1]["lines"]] == ["gradient descent (m = n)", "SGD (m = 10)"]
    assert axes[1]["lines"][1]["y"] == pytest.approx(sgd["accuracy"])



def check_07(record):
    r = record["records"]
    for layer, neuron, predicted, actual in r["demon"]:       # ΔC ≈ δˡⱼ Δz at every neuron tried
        assert actual == pytest.approx(predicted, rel=0.01, abs=1e-9), (layer, neuron)
    assert {d[0] for d in r["demon"]} == {2, 3}
    assert max(abs(d[3]) for d in r["demon"]) > 1e-6          # the nudges did move the cost
    demon_axes = record["figures"]["demon"]["axes"][0]
    assert [line["label"] for line in demon_axes["lines"]] == ["layer 2", "layer 3", "ΔC = δ·Δz"]
    assert r["bp_ok"] and r["bp_max_abs_error"] < 1e-6
    assert r["picture_labels"] == ["x", "w²", "b²", "z²", "a²", "w³", "b³", "z³", "a³", "y(x)", "C"]
    equations, autograd = np.array(r["accuracy_equations"]), np.array(r["accuracy_autograd"])
    assert equations[-1] > equations[0] + 0.2                  # the four equations do train
    assert equations == pytest.approx(autograd, abs=0.005)     # as autograd does
    assert not r["exercise_slide_ok"] and r["exercise_ok"]     # the slide's BP2 is caught



def check_08(record):
    r = record["records"]
    lecture_matches(record, "random guessing", abs=0.01)
    lecture_matches(record, "average darkness", abs=1e-4)     # exactly 2,225 of 10,000
    lecture_matches(record, "SVM", abs=0.003)                  # the cached full run (50,000 images)
    assert r["svm_full"]["train_size"] == 50_000 and r["svm_full"]["test_size"] == 10_000
    assert r["svm_small"]["accuracy"] > 0.7                    # the live, small SVM
    network = [k for k in record["comparisons"] if k.startswith("the network")][0]
    lecture_matches(record, network, abs=0.05)                 # 2 epochs: a little below 95%
    assert record["comparisons"]["the record (quoted)"]["lecture"] == 0.9979
    assert "DropConnect" in record["comparisons"]["the record (quoted)"]["source"]
    bars = record["figures"]["baselines"]["axes"][0]
    assert bars["patches"] == 10                               # 5 rows × (lecture, here)


def check_09(record):
    r = record["records"]
    lecture_matches(record, "the saturated neuron's first output σ(4)", abs=0.005)
    quadratic, cross = r["neuron_outputs"]["quadratic"], r["neuron_outputs"]["cross-entropy"]
    assert quadratic[50] > 0.95 and cross[50] < 0.2            # the learning slowdown, cured
    assert quadratic[-1] < quadratic[0] and cross[-1] < 0.05
    curves = lines(record, "neuron", axes=0)
    assert [c["label"] for c in curves] == ["quadratic", "cross-entropy"]
    assert curves[0]["y"][0] == pytest.approx(1 / (1 + np.exp(-4)), abs=1e-9)
    val = r["val_accuracy"]
    assert val["cross-entropy"][0] > val["quadratic"][0] + 0.2



def check_10(record):
    r = record["records"]
    softmax, sigmoid = np.array(r["softmax_outputs"]), np.array(r["sigmoid_outputs"])
    assert softmax.sum() == pytest.approx(1, abs=1e-5) and (softmax > 0).all()
    assert abs(sigmoid.sum() - 1) > 1e-3                     # sigmoid outputs need not sum to 1
    assert int(np.argmax(softmax)) == r["label"]
    slider = np.array(r["slider"])
    assert np.allclose(slider.sum(axis=1), 1)
    assert (np.diff(slider[:, 3]) > 0).all()
    assert (np.diff(np.delete(slider, 3, axis=1), axis=0) < 0).all()
    bars = record["figures"]["outputs"]["axes"]
    assert bars[0]["patches"] == bars[1]["patches"] == 10
    assert r["delta_difference"] < 1e-5                      # δᴸ = aᴸ − y
    assert r["val_accuracy"]["softmax"][-1] > 0.8



def check_11(record):
    r = record["records"]
    clean = r["clean"]
    assert clean["train_accuracy"][-1] > 0.95                           # it learns its 1,000 images
    assert clean["train_accuracy"][-1] - clean["val_accuracy"][-1] > 0.1  # but not the digits
    assert min(clean["val_loss"]) < clean["val_loss"][-1]                # the validation cost rises
    early = r["clean_early_stopping"]
    assert early["best_epoch"] < early["epochs_run"] <= len(clean["val_accuracy"])
    assert abs(early["test"] - early["test_all_epochs"]) < 0.03          # no real gain: a plateau
    noisy = r["noisy"]
    assert noisy["train_accuracy"][-1] > max(noisy["val_accuracy"])       # memorizing the noise
    assert max(noisy["val_accuracy"]) > noisy["val_accuracy"][-1] + 0.05  # validation falls
    assert noisy["early_test"] > noisy["test_all_epochs"] + 0.05          # early stopping helps
    assert noisy["early_test"] == pytest.approx(noisy["test_curve"][noisy["early_best_epoch"] - 1])
    clean_axes = record["figures"]["clean_curves"]["axes"]
    assert [l["label"] for l in clean_axes[0]["lines"]] == ["training cost", "validation cost"]
    assert clean_axes[0]["lines"][1]["y"] == pytest.approx(clean["val_loss"])



def check_12(record):
    r = record["records"]
    gaps, val = np.array(r["gaps"]), np.array(r["val_accuracy"])
    assert len(gaps) >= 3 and (np.diff(gaps) < 0).all()        # more data, smaller gap
    assert (np.diff(val) > 0).all()                             # and better validation accuracy
    right = record["figures"]["size_vs_gap"]["axes"][1]["lines"][0]
    assert right["x"] == r["sizes"] and right["y"] == pytest.approx(100 * gaps)


def check_13(record):
    r = record["records"]
    plain = r["without L2"]
    regularized = [v for k, v in r.items() if k.startswith("λ")][0]
    assert regularized["gap"] < plain["gap"] - 0.03             # L2 narrows the gap
    assert regularized["val_accuracy"][-1] > plain["val_accuracy"][-1]
    assert regularized["sum_w2"] < 0.5 * plain["sum_w2"]        # smaller weights
    assert regularized["sum_b2"] > 0.5 * plain["sum_b2"]        # biases are left out of the term
    labels = [l["label"] for l in lines(record, "curves", axes=0)]
    assert len(labels) == 4 and any("λ" in l for l in labels)



def check_14(record):
    r = record["records"]
    for name, curve in r["best_so_far"].items():
        assert len(curve) >= 8 and (np.diff(curve) >= 0).all(), name
    assert max(r["best"].values()) > 0.6                        # some η learns in one epoch
    assert r["best"]["manual"] > 0.5                            # orders of magnitude find one
    panels = r["bayes_panels"]
    assert panels and not panels[0]["random_fallback"]
    for panel in panels:
        assert panel["ei_max"] >= 0
        if not panel["random_fallback"]:                        # the EI peak is what was tried
            assert abs(np.log(panel["argmax_ei"] / panel["tried"])) < 0.5
        mean = np.array(panel["mean_at_trials"])
        assert (mean >= min(panel["y"]) - 0.05).all() and (mean <= max(panel["y"]) + 0.05).all()
    axes = record["figures"]["bayes_steps"]["axes"]
    assert len(axes) == 2 * len(panels) and axes[0]["collections"] >= 1  # ±2σ band drawn
    assert r["test_accuracy"] > 0.5



def check_15(record):
    r = record["records"]
    assert r["conv"]["parameters"] == 8 * 25 + 8 + 8 * 12 * 12 * 10 + 10
    assert r["conv"]["parameters"] < r["dense"]["parameters"]
    assert r["conv"]["test_accuracy"] > 0.5 and r["dense"]["test_accuracy"] > 0.5
    bars = record["figures"]["conv_vs_dense"]["axes"][0]
    assert bars["patches"] == 2 and any("parameters" in t for t in bars["texts"])


def check_16(record):
    mean = np.array(record["records"]["mean_norms"])
    hidden = mean[:-1]
    assert (np.diff(hidden) > 0).all()                  # each layer back learns more slowly
    assert hidden[-1] / hidden[0] > 10                  # the first tens of times slower
    curves = lines(record, "gradient_flow")
    assert len(curves) == 4 and curves[0]["label"] == "hidden layer 1"


def check_17(record):
    errors = record["records"]["errors"]
    assert [(e["op"], e["pass"]) for e in errors] == [("Log", "forward"), ("Sqrt", "backward"),
                                                      ("Linear", "forward")]


def check_18(record):
    r = record["records"]
    assert r["labels"] == ["x", "w²", "b²", "z²", "a²", "w³", "b³", "z³", "a³", "y(x)", "C"]
    assert "δ(z²) = δ(a²) ⊙ a² ⊙ (1 − a²)" in r["explain"]
    for name in ("07_neuron.svg", "07_lecture_network.svg", "07_stepper.html"):
        assert name in r["written"]


CHECKS = {"01": check_01, "02": check_02, "03": check_03, "04": check_04, "05": check_05,
          "06": check_06, "07": check_07, "08": check_08, "09": check_09, "10": check_10,
          "11": check_11, "12": check_12, "13": check_13, "14": check_14, "15": check_15,
          "16": check_16, "17": check_17, "18": check_18}
