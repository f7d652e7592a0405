"""The live page's files (live.html, live.js, live.css, shipped as package data) and the page as one HTML document, live or finished.

The page is one document either way: the template with its style and script inlined. Served
live it has no state inside and connects to /events; written at the end of a run (the static
file) it carries the run's final state as JSON and draws it without any server.
"""

import json
import re
from importlib.resources import files

from ..core import say

__all__ = ["page_html", "read_resource", "json_for_script"]

_PLACEHOLDER = re.compile(r"__(TITLE|STYLE|SCRIPT|STATE|WORDS|T\.[a-z_]+)__")
# the words live.js writes itself (status line, chart labels), as live.words.<name>
_SCRIPT_WORDS = ("step", "cost", "accuracy", "other", "drawn_at", "paused", "training",
                 "server_gone", "disconnected", "finished")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8"}
_FILES = ("live.html", "live.js", "live.css")


def _package_file(name):
    return (files("tinygrad_edu.live") / name).read_text(encoding="utf-8")


def json_for_script(value):
    """JSON that is safe inside <script type="application/json">: every "<" is written as
    \\u003c, so no value (a tensor named "</script>") can end the block early."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")


def page_html(state=None):
    """The page: the live one (state None) or the finished run's (its state inside)."""
    import html
    title = (state or {}).get("title", "Watch it learn")
    parts = {"TITLE": html.escape(title), "STYLE": _package_file("live.css"),
             "SCRIPT": _package_file("live.js"),
             "STATE": "" if state is None else json_for_script(state),
             "WORDS": html.escape(json.dumps({name: say("live.words." + name)
                                              for name in _SCRIPT_WORDS}, ensure_ascii=False),
                                  quote=True)}

    def fill(match):  # __T.name__: the catalogue's live.<name>, in the learner's language
        name = match.group(1)
        return html.escape(say("live." + name[2:])) if name.startswith("T.") else parts[name]
    return _PLACEHOLDER.sub(fill, _package_file("live.html"))


def read_resource(path):
    """(bytes, content type) of one of the page's files by its URL path, or None."""
    name = path.lstrip("/")
    if name not in _FILES:
        return None
    extension = name[name.rindex("."):]
    return _package_file(name).encode("utf-8"), _TYPES[extension]
