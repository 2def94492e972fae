"""Concrete graphs to PyTorch: `codegen.py` writes the source of one readable `nn.Module`
(depending only on torch), `load.py` executes exactly that source into a live module.

This package reads `archlang.ir.graph.Graph` and the op registry's emitters, never search
state or decisions.
"""
