"""Shared docstring text (the three pm4py keys every verb takes), filled in once per function."""

from journeymining.core import columns as C

__all__ = ["fill_docstrings"]


def fill_docstrings(*funcs, unescape_braces=False, **parts):
    """Replace ``{keys}`` (and ``{name}`` for every keyword) in the docstrings of ``funcs``.

    ``unescape_braces`` turns ``{{``/``}}`` (written so that examples survive formatting) into
    single braces. Under ``python -OO`` docstrings are None and nothing happens.
    """
    parts = {"keys": C.KEYS_DOC, **parts}
    for func in funcs:
        doc = func.__doc__
        if not doc:
            continue
        for name, text in parts.items():
            doc = doc.replace("{" + name + "}", text)
        if unescape_braces:
            doc = doc.replace("{{", "{").replace("}}", "}")
        func.__doc__ = doc
    return funcs[0] if len(funcs) == 1 else funcs
