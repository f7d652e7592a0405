"""Shared test set-up: every test starts with the learner warnings unseen and in their default mode, in English."""

import pytest

from tinygrad_edu.core import guardrails
from tinygrad_edu.core.language import language


@pytest.fixture(autouse=True)
def fresh_guardrails():
    """Each learner warning fires once per line of code; a test must not depend on which
    tests ran before it on the same line (parametrized cases), nor leave a mode behind."""
    guardrails.reset()
    with guardrails.guardrails("warn"), language("en"):
        yield
