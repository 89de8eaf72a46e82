"""The checked exercises of each notebook: ``from xplab.exercises import nb00 as ex``.

One module per notebook. Every expected answer is computed by the package's
tested code (or, for function exercises, checked against a reference
implementation on several inputs) — never typed in by hand.
"""
