"""The IR below every user of it: programs, the elaborator, decisions, Spaces, Arches, graphs.

Data flows one way through it::

    syntax.ast.Module --Program (program.py, constants.py)--> linked modules
        --Elaborator (elaborate.py; statements.py, expressions.py, apply.py, hyper.py,
          arguments.py; its state and the only methods that change it in walkstate.py)-->
        space walk: Decisions (decisions/: one class per kind, DecisionTree, one walk)
        bind walk:  Graph (graph.py: primitive ops, shapes) + Recorder (record.py)
    Space (space.py: decisions, size, sample, bind, requires.py) --bind--> Arch (arch.py:
        graph, params, FLOPs, canonical.py hash, zeros.py simplification, specialize.py
        printing)

`structure.py` records what a space walk passes through for the space diagram. Op semantics
are asked of the op registry (`archlang.ops`), never decided here by an op's name.

Layering: ir imports syntax, ops, source and diagnostics, and nothing above it (not
symbolic, compile, search, cli or api; `tests/test_layering.py` checks). The user-facing
`Program`/`Space`/`Arch`, with the methods that reach the layers above, are
`archlang.facade`'s subclasses of these classes.
"""
