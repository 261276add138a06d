"""Optimisation commands of the CLI (filled in by the optimiser issue)."""

from __future__ import annotations

import argparse

from .model import DataSet


def register_commands(sub: argparse._SubParsersAction) -> None:  # noqa: SLF001
    return None


def run(args: argparse.Namespace, ds: DataSet) -> int:
    raise SystemExit(f"unknown command {args.command}")
