"""Investeringsportefølje: a pure library for selecting a portfolio of investment proposals.

data -> validation -> prices -> flows/figures -> optimiser -> effects -> analysis -> export.
No Streamlit import anywhere in this package.
"""

__version__ = "0.1.0"
