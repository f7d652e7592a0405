"""`fit(..., live=...)`'s page: opens a Watch for the run and closes it when fit ends."""

from .watch import Watch, watch

__all__ = ["FitPage"]


class FitPage:
    """A context manager giving fit its Watch (or None when live is False).

    Args:
        live: False/None (no page), True (a page with the defaults), a dict of watch()'s
            options, or a Watch (used as it is and left open: its owner closes it).
        model, train_dataset, loss_fn, optimizer, val_data: what fit trains with.

    Raises:
        TypeError: live is something else.
    """

    def __init__(self, live, model, train_dataset, loss_fn, optimizer, val_data):
        self.watch, self.owned = None, False
        if live is False or live is None:
            return
        if isinstance(live, Watch):
            self.watch = live
            return
        if not isinstance(live, dict) and live is not True:
            raise TypeError(f"fit: live must be True, a dict of tg.live.watch options or a "
                            f"Watch, got {type(live).__name__}")
        options = dict(live) if isinstance(live, dict) else {}
        options.setdefault("data", train_dataset)
        options.setdefault("val_data", val_data)
        options.setdefault("loss_fn", loss_fn)
        options.setdefault("optimizer", optimizer)
        self.watch = watch(model, **options)
        self.owned = True

    def __enter__(self):
        return self.watch

    def __exit__(self, *exc_info):
        if self.owned:
            self.watch.close()
        return False
