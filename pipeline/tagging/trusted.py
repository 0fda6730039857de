"""Build pydantic models from values the chain has already validated, at a fraction of the cost.

``Model.model_construct(**values)`` walks every field (aliases, validation aliases, defaults) on
each call: several µs for ``Tags`` and again for ``Interaction``, on every event. For a model
without aliases, extras or post-init hooks, given every field, it ends in exactly the state set
here. Any other model or key set falls back to ``model_construct``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__
_eligible: dict[type[BaseModel], tuple[str, ...] | None] = {}


def _fields_if_eligible(cls: type[BaseModel]) -> tuple[str, ...] | None:
    """The field names of ``cls`` when the shortcut gives what ``model_construct`` gives."""
    fields = cls.model_fields
    if (
        cls.__pydantic_root_model__
        or cls.__pydantic_post_init__
        or cls.model_config.get("extra") == "allow"
        or any(f.alias is not None or f.validation_alias is not None for f in fields.values())
    ):
        return None
    return tuple(fields)


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` without validation; ``values`` is taken over, not copied.

    The shortcut applies when ``values`` names every field of ``cls`` in declaration order (so
    that ``__dict__`` has the same order as model_construct's).
    """
    if cls not in _eligible:
        _eligible[cls] = _fields_if_eligible(cls)
    names = _eligible[cls]
    if names is None or tuple(values) != names:
        return cls.model_construct(**values)
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
