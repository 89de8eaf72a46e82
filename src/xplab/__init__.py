"""xplab: a hands-on course on online experimentation and personalization.

Importing the package does no work: no file reads, no downloads, no prompts.
Submodules are imported on demand::

    from xplab import abtest, assign, data, recs, workbook
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
