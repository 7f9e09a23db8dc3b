"""Just enough TOML for test configs: tables, arrays of tables, inline tables, scalars and lists."""
from __future__ import annotations

import json
from pathlib import Path


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(x) for x in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_scalar(x)}" for k, x in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def to_toml(data: dict) -> str:
    top, tables = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(f"[{key}]")
            tables += [f"{json.dumps(k)} = {_scalar(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                tables.append(f"[[{key}]]")
                tables += [f"{json.dumps(k)} = {_scalar(v)}" for k, v in item.items()]
        else:
            top.append(f"{json.dumps(key)} = {_scalar(value)}")
    return "\n".join(top + tables) + "\n"


def write_config(path: Path, data: dict) -> Path:
    path.write_text(to_toml(data), encoding="utf-8")
    return path
