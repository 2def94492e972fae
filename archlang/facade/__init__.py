"""The user-facing Program, Space and Arch: the IR's classes with the methods that call the
layers above the IR (rewrites, code generation), PyGlove style.

Why a package of its own: users and the README call ``space.find(...)``,
``space.rebind(...)``, ``space.apply(rule)``, ``space.diff(other)``, ``arch.compile()``;
those methods are archlang.symbolic and archlang.compile, which are built on archlang.ir.
Written on the IR's classes they made ir import its own users (a package cycle, and an IR
that cannot be read or tested below the layers that use it). Here each class is a subclass
of its IR class (`archlang.ir.program.Program`, `archlang.ir.space.Space`,
`archlang.ir.arch.Arch`) that adds only those methods, and the IR classes make objects
through a class attribute (`Program.space_type`, `Space.arch_type`), so a user-facing
Program's networks are user-facing Spaces, whose members are user-facing Arches. Everything
else about them, and every check, stays in ir. `archlang.parse` and `archlang.load` return
this Program; `archlang.Program`, `archlang.Space` and `archlang.Arch` are these classes.

Layering: facade imports ir, compile, symbolic and syntax; none of them imports facade.
"""

from archlang.facade.objects import Arch, Program, Space

__all__ = ["Arch", "Program", "Space"]
