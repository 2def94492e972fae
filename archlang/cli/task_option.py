"""The `--task` option's type: a task spec, checked while the command line is read.

``digits``, ``npz:PATH``, ``nasbench-graph:DATASET`` or ``MODULE:FUNCTION`` (see
`archlang.tasks.get_task`). A spec that cannot be served (an unknown name, a missing file,
module, function or optional package) is a usage error: one message with its hint, exit
code 2, no traceback. The value stays the spec string; `get_task` caches the Task it built.
"""

from __future__ import annotations

from typing import Any

import click

from archlang.tasks import SPEC_HELP, TaskError, get_task


class TaskSpec(click.ParamType):
    name = "TASK"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        spec = str(value)
        try:
            get_task(spec)
        except TaskError as exc:
            self.fail(str(exc), param, ctx)
        return spec

    def __repr__(self) -> str:
        return f"TaskSpec({SPEC_HELP})"
