"""The live page: watch your own model learn while it trains (curves, activations, gradients, weights, the graph, the decision boundary), with pause, one step, the learning rate and a nudge panel.

    watch = tg.live.watch(model, data=train, loss_fn=cost, optimizer=opt)
    ...  watch.step(loss=loss)  ...  after each optimizer step
    watch.close()                      # or `with tg.live.watch(...) as watch:`

or `fit(..., live=True)`. The server listens on 127.0.0.1 only; see watch.py for how training
is kept fast and server.py for what the server offers.
"""

from .server import HOST, LiveServer, PortInUse
from .watch import Watch, watch

__all__ = ["watch", "Watch", "LiveServer", "PortInUse", "HOST"]
