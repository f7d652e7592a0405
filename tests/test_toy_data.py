"""The 2-D toy data sets (tg.data.make_moons, make_circles, make_spiral, make_xor): scikit-learn's shapes, seeded noise, balanced classes, clear errors, and a toy a small network learns."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import TensorDataset, make_circles, make_moons, make_spiral, make_xor
from tinygrad_edu.train import evaluate, fit

MAKERS = [make_moons, make_circles, make_spiral, make_xor]


@pytest.mark.parametrize("maker", [make_moons, make_circles])
def test_moons_and_circles_match_scikit_learn_without_noise(maker):
    datasets = pytest.importorskip("sklearn.datasets")
    reference = getattr(datasets, maker.__name__)
    for n in (7, 100, 101):
        points, labels = maker(n, noise=0.0, shuffle=False).arrays
        expected_points, expected_labels = reference(n, shuffle=False)
        np.testing.assert_allclose(points, expected_points, atol=1e-6)
        np.testing.assert_array_equal(labels, expected_labels)


@pytest.mark.parametrize("maker", MAKERS)
def test_seeded_noisy_balanced_and_typed(maker):
    dataset = maker(200, noise=0.1, seed=4)
    assert isinstance(dataset, TensorDataset) and len(dataset) == 200
    points, labels = dataset.arrays
    assert points.shape == (200, 2) and points.dtype == np.float32 and labels.dtype == np.int64
    counts = np.bincount(labels)
    assert counts.max() - counts.min() <= 1                           # balanced classes
    again, other = maker(200, noise=0.1, seed=4).arrays, maker(200, noise=0.1, seed=5).arrays
    np.testing.assert_array_equal(points, again[0])                   # the seed decides
    assert not np.array_equal(points, other[0])
    clean = maker(200, noise=0.0, seed=4, shuffle=False).arrays[0]
    noisy = maker(200, noise=0.1, seed=4, shuffle=False).arrays[0]
    assert 0.005 < np.abs(noisy - clean).mean() < 0.3                 # noise of about that size


def test_the_shapes_are_what_their_names_say():
    points, labels = make_circles(400, noise=0.0, factor=0.3).arrays
    radius = np.linalg.norm(points, axis=1)
    np.testing.assert_allclose(radius[labels == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[labels == 1], 0.3, atol=1e-6)
    points, labels = make_xor(400, noise=0.0).arrays
    np.testing.assert_array_equal(labels, (np.sign(points[:, 0]) != np.sign(points[:, 1])))
    points, labels = make_spiral(300, classes=3, noise=0.0).arrays
    assert np.bincount(labels).tolist() == [100, 100, 100]
    assert np.abs(points).max() <= 1.0 + 1e-6
    # each arm turns: its angle grows with the radius (4 radians over the arm)
    arm = points[labels == 0]
    order = np.argsort(np.linalg.norm(arm, axis=1))
    angle = np.unwrap(np.arctan2(arm[order, 0], arm[order, 1]))
    assert angle[-1] - angle[0] == pytest.approx(4.0, abs=0.05)


@pytest.mark.parametrize("maker, call, message", [
    (make_moons, dict(n_samples=1), "make_moons: n_samples must be an int >= 2, got 1"),
    (make_moons, dict(noise=-0.1), "make_moons: noise must be a number >= 0"),
    (make_circles, dict(factor=1.5), "make_circles: factor .* between 0 and 1, got 1.5"),
    (make_spiral, dict(classes=1), "make_spiral: classes must be an int between 2"),
    (make_xor, dict(n_samples=3), "make_xor: n_samples must be an int >= 4, got 3"),
    (make_xor, dict(noise=float("nan")), "make_xor: noise must be a number >= 0"),
])
def test_bad_arguments_are_clear_errors(maker, call, message):
    with pytest.raises(ValueError, match=message):
        maker(**call)


def test_a_small_network_learns_the_moons():
    tg.manual_seed(0)
    train = make_moons(200, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    before = evaluate(model, train)["accuracy"]
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5), epochs=30,
        batch_size=20, progress=False, seed=0)
    after = evaluate(model, train)["accuracy"]
    assert after > 0.95 and after > before + 0.1
