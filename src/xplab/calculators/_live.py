"""The thin layer between a tested calculation and JupyterLab's controls.

A :class:`Calculator` holds a compute function, its current keyword values and
the controls that change them. Displayed in a notebook it shows, in order,

1. the controls (ipywidgets), when ipywidgets is installed;
2. the figure of the current result, an ordinary ``image/png`` output;
3. the result's table (its ``_repr_html_``).

Outputs 2 and 3 carry IPython display ids: moving a control recomputes and
*replaces* them in place. A notebook saved after running therefore stores the
figure and table for the starting values, which is what GitHub, nbval and the
course site show (they have no kernel to run the controls); the controls'
widget view is stored too and shows nothing where there is no widget manager.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def new_figure(**kwargs: Any) -> Any:
    """A matplotlib Figure made through pyplot and closed at once.

    Made through pyplot, it starts the notebook's plotting backend, which is
    what renders a figure as a PNG output; closed, it is not drawn a second
    time when the cell ends: it shows once, where it is displayed (or as a
    cell's value).
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(**kwargs)
    plt.close(fig)
    return fig


@dataclass(frozen=True)
class Control:
    """One control: which keyword it sets and how it looks.

    ``kind`` is 'float' or 'int' (a slider from ``low`` to ``high`` by
    ``step``), 'choice' (a dropdown of ``options``: (label, value) pairs) or
    'numbers' (a text box of comma-separated numbers, for arm means).
    """

    name: str
    label: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    options: Sequence[tuple[str, Any]] = ()
    readout: str = ".3g"


@dataclass
class _Message:
    """An error to show in place of the table, in words."""

    text: str

    def __repr__(self) -> str:
        return f"⚠️ {self.text}"

    def _repr_html_(self) -> str:
        return f"<p style='color:#b35900'>⚠️ {html.escape(self.text)}</p>"


@dataclass
class Calculator:
    """Controls that recompute ``compute(**values)`` and redraw its figure in place.

    ``compute`` returns a result with ``plot()`` (a matplotlib Figure) and a
    notebook rendering. The starting ``values`` are computed at once, so bad
    ones raise the compute function's own ``ValueError`` before anything is
    shown. :meth:`update` is what moving a control does.
    """

    compute: Callable[..., Any]
    values: dict[str, Any]
    controls: Sequence[Control]
    title: str
    result: Any = field(init=False)
    error: str | None = field(init=False, default=None)
    _handles: list[Any] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.result = self.compute(**self.values)

    def update(self, **changes: Any) -> Any:
        """Recompute with some values changed and redraw; return the new result.

        A change the calculation refuses (say, a baseline and an MDE whose sum
        is above 1) keeps the last good result and figure, and shows the
        message instead of the table; :attr:`error` holds it.
        """
        unknown = set(changes) - set(self.values)
        if unknown:
            raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(self.values)}")
        values = {**self.values, **changes}
        try:
            result = self.compute(**values)
        except (ValueError, TypeError) as exc:
            self.error = str(exc)
            self._redraw(figure=False)
            return self.result
        self.values, self.result, self.error = values, result, None
        self._redraw(figure=True)
        return result

    def figure(self) -> Any:
        """The figure of the current result."""
        return self.result.plot()

    # -- the notebook side -----------------------------------------------------------

    def widgets(self) -> Any:
        """The controls as an ipywidgets box, wired to :meth:`update`; None without ipywidgets."""
        try:
            import ipywidgets as w
        except ImportError:
            return None
        style = {"description_width": "11em"}
        layout = w.Layout(width="32em")
        items = []
        for c in self.controls:
            value = self.values[c.name]
            common: dict[str, Any] = {"description": c.label, "style": style, "layout": layout}
            if c.kind in ("float", "int"):
                slider = w.FloatSlider if c.kind == "float" else w.IntSlider
                cast = float if c.kind == "float" else int
                widget = slider(
                    value=cast(value),
                    min=cast(min(c.low, value)),
                    max=cast(max(c.high, value)),
                    step=cast(c.step),
                    readout_format=c.readout,
                    continuous_update=False,
                    **common,
                )
            elif c.kind == "choice":
                options = list(c.options)
                if value not in [v for _, v in options]:
                    options.append((str(value), value))
                widget = w.Dropdown(options=options, value=value, **common)
            elif c.kind == "numbers":
                widget = w.Text(value=", ".join(f"{v:g}" for v in value), **common)
            else:  # pragma: no cover - the calculators only use the kinds above
                raise ValueError(f"unknown control kind {c.kind!r}")
            widget.observe(self._on_change(c), names="value")
            items.append(widget)
        header = w.HTML(f"<b>{html.escape(self.title)}</b>")
        return w.VBox([header, *items])

    def _on_change(self, control: Control) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            new = change["new"]
            if control.kind == "numbers":
                try:
                    new = tuple(
                        float(v) for v in str(new).replace(";", ",").split(",") if v.strip()
                    )
                except ValueError:
                    self.error = f"{control.name} must be numbers separated by commas, got {new!r}"
                    self._redraw(figure=False)
                    return
            self.update(**{control.name: new})

        return handler

    def _redraw(self, *, figure: bool) -> None:
        if len(self._handles) < 2:  # not shown yet, or shown outside IPython (no display ids)
            return
        fig_handle, table_handle = self._handles
        if figure:
            fig_handle.update(self.figure())
        table_handle.update(self.result if self.error is None else _Message(self.error))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        controls = self.widgets()
        if controls is not None:
            display(controls)
        fig_handle = display(self.figure(), display_id=True)
        table_handle = display(self.result, display_id=True)
        self._handles = [h for h in (fig_handle, table_handle) if h is not None]

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"Calculator({self.title!r}, {settings})"
