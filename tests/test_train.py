"""Tests of tinygrad_edu.train (fit, evaluate, predict, History) on small synthetic data, and of the main job on a tiny MNIST subset."""

import math
import os

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.train import History, TrainingDiverged, evaluate, fit, predict


def blobs(n=200, seed=0, flip=False):
    """Two Gaussian blobs in 2-D, classes 0 and 1 (flip=True swaps the labels)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    centers = np.array([[-1.5, -1.0], [1.5, 1.0]])
    points = centers[labels] + rng.normal(scale=0.6, size=(n, 2))
    if flip:
        labels = 1 - labels
    return TensorDataset(points.astype(np.float32), labels.astype(np.int64))


def small_net(seed=0):
    tg.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.Sigmoid(), nn.Linear(8, 2))


def weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_fit_learns_and_fills_the_history():
    model = small_net()
    history = fit(model, blobs(), nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                  epochs=5, batch_size=10, val_data=blobs(100, seed=1), progress=False, seed=0)
    assert isinstance(history, History)
    assert history.epochs_run == 5 and not history.stopped_early
    for values in (history.train_loss, history.val_loss, history.val_accuracy, history.lr,
                   history.seconds):
        assert len(values) == 5
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.val_accuracy[-1] > 0.95
    assert history.lr == [0.5] * 5
    assert all(s > 0 for s in history.seconds)
    best = int(np.argmax(history.val_accuracy)) + 1  # first epoch reaching the maximum
    assert history.best_epoch == best
    assert history.best_val_accuracy == max(history.val_accuracy)
    assert evaluate(model, blobs(100, seed=1))["accuracy"] == pytest.approx(
        history.val_accuracy[history.best_epoch - 1])
    table = history.as_table()
    assert "val acc" in table and f"{best}*" in table and "best epoch" in table


def test_train_loss_is_the_mean_of_the_batch_losses():
    # lr = 0: the weights stay, so each epoch's mean loss is the mean over its batches of
    # the same function; with batches of equal size that is the loss on the whole set.
    model = small_net()
    data = blobs(40)
    history = fit(model, data, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0),
                  epochs=2, batch_size=10, progress=False, seed=0)
    inputs, labels = data.tensors
    expected = float(nn.CrossEntropyLoss()(model(inputs), labels).item())
    assert history.train_loss == pytest.approx([expected, expected], rel=1e-5)


def test_l2_adds_the_lectures_penalty_to_the_loss():
    model = small_net()
    data = blobs(40)
    lam = 3.0
    history = fit(model, data, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0),
                  epochs=1, batch_size=40, l2=lam, progress=False)
    inputs, labels = data.tensors
    data_loss = float(nn.CrossEntropyLoss()(model(inputs), labels).item())
    squares = sum(float((m.weight.numpy().astype(np.float64) ** 2).sum())
                  for m in model.modules() if isinstance(m, nn.Linear))
    assert history.train_loss[0] == pytest.approx(data_loss + lam / (2 * 40) * squares, rel=1e-5)


def test_l2_shrinks_the_weights():
    norms = []
    for lam in (0.0, 20.0):
        model = small_net()
        fit(model, blobs(), nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
            epochs=5, l2=lam, progress=False, seed=0)
        norms.append(sum(float((m.weight.numpy() ** 2).sum()) for m in model.modules()
                         if isinstance(m, nn.Linear)))
    assert norms[1] < 0.5 * norms[0]


def test_early_stopping_restores_the_best_weights():
    # Training pulls w from 0 towards 1 (w_e = 1 − 0.8^e); the validation target is 0.5, so
    # the validation loss falls until epoch 3 (w = 0.488), then rises: best epoch 3.
    model = nn.Linear(1, 1, bias=False)
    model.weight.numpy()[...] = 0.0
    train = TensorDataset(np.ones((1, 1), np.float32), np.ones((1, 1), np.float32))
    val = TensorDataset(np.ones((1, 1), np.float32), np.full((1, 1), 0.5, np.float32))
    seen = []
    history = fit(model, train, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), epochs=20,
                  batch_size=1, val_data=val, metric="loss", patience=2, progress=False,
                  callbacks=[lambda h, m: seen.append(weights(m))])
    assert history.best_epoch == 3
    assert history.epochs_run == 5 and history.stopped_early
    assert "early stopping" in history.stop_reason and history.restored_best
    assert np.argmin(history.val_loss) == 2
    np.testing.assert_array_equal(model.weight.numpy(), seen[2]["weight"])
    assert model.weight.item() == pytest.approx(1 - 0.8 ** 3, rel=1e-5)
    assert not np.array_equal(seen[-1]["weight"], seen[2]["weight"])


def test_early_stopping_on_accuracy_with_patience():
    # Validation labels are the training labels flipped: the better the model learns, the
    # worse its validation accuracy, so the best epoch is the first.
    model = small_net()
    seen = []
    history = fit(model, blobs(), nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                  epochs=30, val_data=blobs(100, seed=1, flip=True), patience=3, progress=False,
                  seed=0, callbacks=[lambda h, m: seen.append(weights(m))])
    assert history.epochs_run == history.best_epoch + 3 < 30
    for key, value in weights(model).items():
        np.testing.assert_array_equal(value, seen[history.best_epoch - 1][key])
    without_restore = small_net()
    fit(without_restore, blobs(), nn.CrossEntropyLoss(),
        optim.SGD(without_restore.parameters(), lr=0.5), epochs=30,
        val_data=blobs(100, seed=1, flip=True), patience=3, progress=False, seed=0,
        restore_best=False)
    for key, value in weights(without_restore).items():
        np.testing.assert_array_equal(value, seen[-1][key])


class ThresholdScores(nn.Module):
    """Scores (w·a, b) for inputs (a, b): class 0 wins once w > b/a. w is the only parameter."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(np.zeros(1, np.float32))

    def forward(self, x):
        return tg.cat([x[:, :1] * self.w, x[:, 1:]], dim=1)


def test_patience_counts_only_epochs_since_the_last_improvement():
    # Each epoch one SGD step on the cost −w moves w by exactly 1: after epoch e, w = e.
    # A validation example (1, t) with label 0 is right once e > t, with label 1 while e < t;
    # these six give the accuracies 4/6, 3/6, 5/6, 4/6, 3/6, ... for epochs 1, 2, 3, ...
    thresholds = np.array([0.5, 1.5, 2.5, 2.5, 3.5, 4.5], np.float32)
    labels = np.array([0, 1, 0, 0, 1, 1])
    val = TensorDataset(np.stack([np.ones(6, np.float32), thresholds], axis=1), labels)
    train = TensorDataset(np.ones((1, 2), np.float32), np.zeros(1, np.int64))
    model = ThresholdScores()
    history = fit(model, train, lambda outputs, targets: -outputs[:, 0].mean(),
                  optim.SGD(model.parameters(), lr=1.0), epochs=10, val_data=val, patience=2,
                  progress=False)
    assert history.val_accuracy == pytest.approx([4 / 6, 3 / 6, 5 / 6, 4 / 6, 3 / 6])
    # Epoch 3 improved, so the count of bad epochs restarted: it stops after epoch 5, not 4.
    assert history.epochs_run == 5 and history.best_epoch == 3
    assert model.w.item() == 3.0  # the weights of epoch 3 are back


def test_min_delta_ignores_tiny_improvements():
    model = small_net()
    history = fit(model, blobs(), nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                  epochs=30, val_data=blobs(100, seed=1), patience=2, min_delta=0.5,
                  progress=False, seed=0)
    assert history.best_epoch == 1 and history.epochs_run == 3


def test_seed_makes_runs_reproducible():
    def run(seed, disturb=0):
        tg.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 8), nn.Sigmoid(), nn.Dropout(0.3), nn.Linear(8, 2))
        tg.randn(disturb)  # another state of the global generator: the seed must reset it
        history = fit(model, blobs(), nn.CrossEntropyLoss(),
                      optim.SGD(model.parameters(), lr=0.5), epochs=2, batch_size=7,
                      progress=False, seed=seed)
        return history.train_loss, weights(model)

    loss_a, weights_a = run(11)
    loss_b, weights_b = run(11, disturb=5)
    loss_c, weights_c = run(12)
    assert loss_a == loss_b
    for key in weights_a:
        np.testing.assert_array_equal(weights_a[key], weights_b[key])
    assert loss_a != loss_c  # another seed shuffles differently


def test_divergence_raises_a_clear_error():
    model = small_net()
    with pytest.raises(TrainingDiverged) as caught, pytest.warns(tg.NonFiniteWarning):
        fit(model, blobs(), nn.QuadraticCost(), optim.SGD(model.parameters(), lr=1e9),
            epochs=3, batch_size=10, progress=False, seed=0)
    error = caught.value
    message = str(error)
    assert isinstance(error, RuntimeError)
    assert error.epoch == 1 and error.batch >= 2
    assert f"epoch 1, batch {error.batch} of 20" in message
    assert "lr = 1e+09" in message and "lower it" in message and "tg.detect_anomaly()" in message
    assert not math.isfinite(error.loss)


class Scores(nn.Module):
    """A 'model' that returns its input: the inputs are the class scores themselves."""

    def forward(self, x):
        return x


def test_evaluate_confusion_matrix_on_a_known_case():
    true = np.array([0, 0, 1, 1, 2, 2, 2, 1])
    predicted = np.array([0, 1, 1, 1, 2, 0, 2, 2])
    scores = np.eye(3, dtype=np.float32)[predicted] + 0.1
    expected = np.array([[1, 1, 0],
                         [0, 2, 1],
                         [1, 0, 2]])
    for targets in (true, np.eye(3, dtype=np.float32)[true]):  # indices or one-hot
        result = evaluate(Scores(), TensorDataset(scores, targets), batch_size=3)
        np.testing.assert_array_equal(result["confusion"], expected)
        assert result["accuracy"] == pytest.approx(5 / 8)
        assert result["correct"] == 5 and result["n"] == 8
    result = evaluate(Scores(), TensorDataset(scores, true), loss_fn=nn.CrossEntropyLoss())
    expected_loss = float(nn.CrossEntropyLoss()(tg.Tensor(scores), tg.Tensor(true)).item())
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-6)


def test_evaluate_errors_and_modes():
    with pytest.raises(ValueError, match="target class 5 is outside the model's 3 outputs"):
        evaluate(Scores(), TensorDataset(np.eye(3, dtype=np.float32), np.array([0, 1, 5])))
    with pytest.raises(ValueError, match=r"shape \(3, 1\).*C >= 2"):
        evaluate(Scores(), TensorDataset(np.ones((3, 1), np.float32), np.array([0, 1, 0])))
    with pytest.raises(TypeError, match="Dataset"):
        evaluate(Scores(), 42)
    model = nn.Sequential(nn.Dropout(0.5), Scores())
    model.train()
    data = TensorDataset(np.eye(4, dtype=np.float32) + 1, np.arange(4))
    assert evaluate(model, data)["accuracy"] == 1.0  # no dropout while evaluating
    assert model.training  # the previous mode is back


def test_predict():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], np.float32)
    np.testing.assert_array_equal(predict(Scores(), scores, batch_size=2), [1, 0, 1])
    assert predict(Scores(), tg.tensor([0.9, 0.1])) == 0


def test_scheduler_callbacks_and_dataloader_input():
    model = small_net()
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    loader = DataLoader(blobs(), batch_size=20, shuffle=True, seed=3)
    history = fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=5,
                  scheduler=optim.StepLR(optimizer, step_size=2, gamma=0.5), progress=False,
                  callbacks=[lambda h, m: h.epochs_run == 4])
    assert history.lr == [1.0, 1.0, 0.5, 0.5]
    assert history.epochs_run == 4 and history.stopped_early
    assert "callback" in history.stop_reason
    assert all(len(values) == 4 for values in (history.train_loss, history.seconds))


def test_reduce_on_plateau_gets_the_validation_metric():
    model = small_net()
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    scheduler = optim.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=0)
    history = fit(model, blobs(), nn.CrossEntropyLoss(), optimizer, epochs=4,
                  val_data=blobs(100, seed=1, flip=True), scheduler=scheduler, progress=False,
                  seed=0)
    # With flipped labels the accuracy never beats epoch 1's, so every later epoch halves lr.
    assert history.lr == pytest.approx([0.5, 0.5, 0.25, 0.125])
    assert scheduler.best == history.val_accuracy[0]


def test_train_accuracy_and_gradient_clipping():
    model = small_net()
    history = fit(model, blobs(), nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                  epochs=3, train_accuracy=True, progress=False, seed=0)
    assert len(history.train_accuracy) == 3
    assert history.train_accuracy[-1] == pytest.approx(evaluate(model, blobs())["accuracy"])
    assert "train acc" in history.as_table()
    # One step of SGD with lr 1 moves the weights by at most max_grad_norm in total.
    model = small_net()
    before = np.concatenate([p.numpy().ravel() for p in model.parameters()])
    data = TensorDataset(blobs().tensors[0], np.zeros((200, 2), np.float32) + 100)
    fit(model, data, nn.MSELoss(), optim.SGD(model.parameters(), lr=1.0), epochs=1,
        batch_size=200, max_grad_norm=0.01, progress=False)
    after = np.concatenate([p.numpy().ravel() for p in model.parameters()])
    assert np.linalg.norm(after - before) == pytest.approx(0.01, rel=1e-3)


def test_progress_bar_prints_each_epoch(capsys):
    model = small_net()
    fit(model, blobs(), nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
        epochs=2, val_data=blobs(50, seed=2), progress=True, seed=0)
    out = capsys.readouterr().out
    assert "epoch 1/2: loss" in out and "epoch 2/2" in out and "val_acc" in out


@pytest.mark.parametrize("options, error, message", [
    (dict(epochs=0), ValueError, "epochs must be an int >= 1"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(patience=2), ValueError, "pass val_data"),
    (dict(metric="f1"), ValueError, "metric must be 'accuracy' or 'loss'"),
    (dict(l2=-1.0), ValueError, "l2"),
    (dict(max_grad_norm=0.0), ValueError, "max_grad_norm"),
])
def test_fit_argument_errors(options, error, message):
    model = small_net()
    with pytest.raises(error, match=message):
        fit(model, blobs(20), nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            progress=False, **options)


def test_fit_rejects_accuracy_for_a_regression():
    model = nn.Linear(2, 1)
    data = TensorDataset(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32))
    with pytest.raises(ValueError, match="metric='loss'"):
        fit(model, data, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), val_data=data,
            progress=False)


# ----- the README's main job -------------------------------------------------------------------

def test_main_trains_saves_and_draws(tmp_path, capsys):
    from tinygrad_edu import main
    result = main.run(["--subset", "300", "--epochs", "1", "--no-progress", "--out",
                        str(tmp_path), "--seed", "1"])
    out = capsys.readouterr().out
    for text in ("validation accuracy", "test accuracy", "22.25%", "94.35%", "99.79%",
                 "random guessing", "average darkness"):
        assert text in out
    assert 0.1 < result["test_accuracy"] <= 1.0
    assert f"{100 * result['test_accuracy']:.2f}%" in out
    assert result["average_darkness"] == pytest.approx(0.2225, abs=1e-4)
    checkpoint = tmp_path / "lecture_network.npz"
    assert checkpoint.exists()
    assert os.path.exists(result["graph"]) and result["graph"].startswith(str(tmp_path))
    # The checkpoint reloads into a fresh network with the same test accuracy.
    from tinygrad_edu.data import load_mnist
    fresh = main.build_model("mlp", hidden=30, activation="sigmoid", cost="quadratic")
    fresh.load_state_dict(tg.load(checkpoint))
    assert evaluate(fresh, load_mnist("test"))["accuracy"] == pytest.approx(result["test_accuracy"])


def test_main_options(tmp_path, capsys):
    from tinygrad_edu import main
    result = main.run(["--subset", "200", "--epochs", "2", "--no-progress", "--out",
                        str(tmp_path), "--cost", "log_likelihood", "--activation", "relu",
                        "--optimizer", "adam", "--hidden", "16", "--patience", "1",
                        "--l2", "0.1", "--no-graph"])
    assert result["history"].epochs_run <= 2
    assert result["config"]["lr"] == pytest.approx(1e-3)
    assert "graph" not in result or result["graph"] is None
    with pytest.raises(SystemExit):
        main.run(["--cost", "hinge"])


def test_main_conv(tmp_path):
    from tinygrad_edu import main
    result = main.run(["--arch", "conv", "--subset", "100", "--epochs", "1", "--no-progress",
                        "--out", str(tmp_path), "--no-graph", "--eval-subset", "500"])
    assert 0.0 <= result["test_accuracy"] <= 1.0
    assert (tmp_path / "lecture_network.npz").exists()


def test_main_writes_dot_text_without_graphviz(tmp_path, capsys, monkeypatch):
    from tinygrad_edu import main, viz
    monkeypatch.setattr(viz, "_dot_binary", lambda: None)
    result = main.run(["--subset", "100", "--epochs", "1", "--no-progress", "--out",
                       str(tmp_path), "--eval-subset", "200"])
    out = capsys.readouterr().out
    assert result["graph"] == str(tmp_path / "lecture_network_graph.dot")
    assert (tmp_path / "lecture_network_graph.dot").read_text().startswith("digraph")
    assert "install graphviz" in out and "apt-get install graphviz" in out
