"""Per-environment work in several processes: each takes a fixed share of the environments, in two rounds.

Round one models its environments and sends back the single-namespace operator owners; the parent turns
those into the namespace grants (which cross environments) and sends them to every worker; round two
renders and checks. The workers are forked, so they start with the parent's loaded schemas and templates
and receive nothing but names; what they send back refers to the parent's release data and field history
by name (a stand-in call that the parent's unpickler resolves), never by copy. Each rendered result is pickled
once, by the worker's own render (`Pickled`), whose bytes the outcome cache keeps too. Output order is the caller's:
the results are put back in the order of the names, so a parallel run is byte-for-byte a sequential one
(tests/test_parallel.py).
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from generator.errors import InternalError, Location
from generator.releases import FieldHistory, KubeRayRelease
from generator.source import Origin

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

# Fewer environments than this per worker and forking costs more than it saves.
MIN_ENVIRONMENTS_PER_WORKER = 8

Modelled = TypeVar("Modelled")
Grants = TypeVar("Grants")
Loaded = TypeVar("Loaded")


def worker_count(requested: int | None, environments: int) -> int:
    """How many processes to use: as asked (at most one per environment), else one per CPU this process may
    use when each gets enough environments; 1 where processes cannot be forked."""
    if environments <= 1 or not can_fork():  # multiprocessing is then not even imported (a kept run's start)
        return 1
    if requested is not None:
        return max(1, min(requested, environments))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, environments // MIN_ENVIRONMENTS_PER_WORKER))


def can_fork() -> bool:
    import multiprocessing  # imported by runs that may fork, not by those that work nothing out

    # macOS offers fork but its system libraries are not fork-safe (Python defaults to spawn there)
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


class References:
    """The objects a worker shares with the parent and so sends by name: release data and field history."""

    def __init__(self, release: Callable[[str], KubeRayRelease], history: FieldHistory) -> None:
        self.release = release
        self.history = history
        # each class an unpickler found, by module and name: every outcome is a pickle of its own, which names
        # its thirty-odd classes again, and finding one costs an import lookup and an audit event
        self.classes: dict[tuple[str, str], Any] = {}

    def dumps(self, value: Any) -> bytes:
        stream = io.BytesIO()
        _ReferencingPickler(stream, self.history).dump(value)
        return stream.getvalue()

    def loads(self, data: bytes) -> Any:
        return _ResolvingUnpickler(io.BytesIO(data), self).load()

    def resolve(self, kind: str, name: Any) -> Any:
        """The parent's object for a reference a worker wrote (see `_ReferencingPickler`)."""
        if kind == "origin":
            return PickledOrigin(name)
        return self.release(name) if kind == "release" else self.history


def _reference(kind: str, _name: Any) -> Any:
    """Stands in a pickle for an object sent by name; `_ResolvingUnpickler` calls its References instead."""
    raise InternalError(f"a {kind} reference was read without the References of the run")


@dataclass(frozen=True)
class Pickled(Generic[Loaded]):
    """A worker's result, pickled by the worker with References.dumps (the very bytes the outcome cache keeps,
    when it keeps the result): sent as they are rather than pickled again, and loaded by the parent as it
    arrives."""

    data: bytes


class _ReferencingPickler(pickle.Pickler):
    """Writes release data, the field history and Origin trees as calls of `_reference`.

    reducer_override is asked only about objects of other than the built-in types (pickle.Pickler's own
    persistent_id hook is asked about every string and number, which took a fifth of a worker's time)."""

    def __init__(self, stream: io.BytesIO, history: FieldHistory) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.history = history

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, KubeRayRelease):
            return (_reference, ("release", obj.version))
        if obj is self.history:
            return (_reference, ("history", ""))
        if isinstance(obj, PickledOrigin):  # read from a worker or the outcome cache and sent on: its bytes
            return (_reference, ("origin", object.__getattribute__(obj, "_pickled")))
        if isinstance(obj, Origin):
            # where each value of an environment file stands: hundreds of objects per environment, which the
            # parent needs only to locate a problem between environments; sent as bytes, read when asked
            return (_reference, ("origin", _origin_bytes(obj)))
        return NotImplemented


def _origin_bytes(origin: Origin) -> bytes:
    """An Origin tree as bytes: each node's two positions (file, line, column each), count of children and their
    keys, in one flat list, depth first. A third of the time of pickling the tree itself, which pays a Python call
    for each Origin and each Location (1.3 of 2 ms an environment), and half its size. Each file is one Path
    object for all the positions read from it, which pickle writes once and refers to after (its memo), so a
    position costs no lookup of its file here. A subtree met twice is written twice (pickle wrote it once): the
    trees loading and merging make share none."""
    flat: list[Any] = []
    extend, append = flat.extend, flat.append

    def visit(node: Origin) -> None:
        extend(node.key)
        extend(node.value)
        children = node.children
        append(len(children))
        for part, child in children.items():
            append(part)
            visit(child)

    visit(origin)
    return pickle.dumps(flat, protocol=pickle.HIGHEST_PROTOCOL)


def _origin_from_bytes(data: bytes) -> Origin:
    flat = pickle.loads(data)
    position = 0

    def build() -> Origin:
        nonlocal position
        key_file, key_line, key_column, value_file, value_line, value_column, count = flat[position : position + 7]
        position += 7
        children: dict[str | int, Origin] = {}
        for _ in range(count):
            part = flat[position]
            position += 1
            children[part] = build()
        return Origin(
            Location(key_file, key_line, key_column),
            Location(value_file, value_line, value_column),
            children,
        )

    return build()


class _ResolvingUnpickler(pickle.Unpickler):
    def __init__(self, stream: io.BytesIO, references: References) -> None:
        super().__init__(stream)
        self.references = references

    def find_class(self, module_name: str, name: str) -> Any:
        key = (module_name, name)
        found = self.references.classes.get(key)
        if found is None:
            found = self.references.resolve if key == (__name__, _reference.__name__) else super().find_class(*key)
            self.references.classes[key] = found
        return found


class PickledOrigin(Origin):
    """An Origin tree as a worker sent it (`_origin_bytes`): read from its bytes when first asked for its
    positions."""

    def __init__(self, pickled: bytes) -> None:  # not the dataclass's: its fields are set when read
        object.__setattr__(self, "_pickled", pickled)

    def __reduce__(self) -> tuple[Any, ...]:
        return (PickledOrigin, (object.__getattribute__(self, "_pickled"),))

    def __getattr__(self, name: str) -> Any:  # only for what is not set yet: key, value, children
        if name not in ("key", "value", "children"):
            raise AttributeError(name)
        origin = _origin_from_bytes(object.__getattribute__(self, "_pickled"))
        for field_name in ("key", "value", "children"):
            object.__setattr__(self, field_name, getattr(origin, field_name))
        return getattr(origin, name)


def run_in_workers(
    names: Sequence[str],
    workers: int,
    references: References,
    model: Callable[[str], Modelled],
    owners: Callable[[Mapping[str, Modelled]], list[Any]],
    grants: Callable[[list[Any]], Grants],
    render: Callable[[str, Modelled, Grants], Pickled[Loaded]],
) -> tuple[Grants, dict[str, Loaded]]:
    """The grants of the owners of every model, and render(name, model(name), those grants) for each name, in
    `workers` processes."""
    import multiprocessing
    from multiprocessing.connection import Connection, wait

    context = multiprocessing.get_context("fork")
    # The workers run without the cycle collector (`_work`): none walks what the parent built (schemas, templates,
    # release data), which would copy every page the fork shares. Nothing is frozen for them here: a freeze made
    # while a caller holds one of its own could never be undone, and every build's objects would stay.
    shares = [list(names[index::workers]) for index in range(workers)]  # interleaved: similar loads
    connections: list[Connection] = []
    processes = []
    try:
        for share in shares:
            parent_end, child_end = context.Pipe()
            connections.append(parent_end)
            process = context.Process(
                target=_work,
                args=(share, child_end, list(connections), references, model, owners, render),
                daemon=True,
            )
            process.start()
            child_end.close()
            processes.append(process)
        found = [owner for connection in connections for owner in _receive(connection, references)]
        granted = grants(found)
        shared = references.dumps(granted)
        for connection in connections:
            connection.send_bytes(shared)
        results: dict[str, Loaded] = {}
        # each environment's result as it comes, from whichever worker sends first: the parent reads while the
        # workers render, instead of after
        working = list(connections)
        while working:
            for ready in wait(working):
                assert isinstance(ready, Connection)
                received = _receive(ready, references)
                if received is None:
                    working.remove(ready)
                else:
                    name, result = received
                    results[name] = references.loads(result.data)
    finally:
        for connection in connections:
            connection.close()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
    return granted, {name: results[name] for name in names}


def _work(
    names: list[str],
    connection: Connection,
    parent_ends: list[Connection],
    references: References,
    model: Callable[[str], Modelled],
    owners: Callable[[Mapping[str, Modelled]], list[Any]],
    render: Callable[[str, Modelled, Grants], Pickled[Any]],
) -> None:
    """A worker: model its environments, send their operator owners, wait for the grants, render."""
    # The parent's ends of this and the earlier workers' pipes came with the fork: held open here, they would
    # keep this worker waiting for ever on a parent that was killed, which it would otherwise read as the end.
    for parent_end in parent_ends:
        parent_end.close()
    # A worker keeps what it models until it ends, and what it makes is hardly ever in a cycle: the cycle collector
    # would walk its young objects every GC_YOUNG_THRESHOLD allocations (cli.py) and free nothing: 0.6 % of a
    # worker's instructions (callgrind, 200 benchmark environments), for the same peak memory (156 MiB either way,
    # one process of 300). The process ends when its share is done.
    gc.disable()
    try:
        modelled = {name: model(name) for name in names}
        connection.send_bytes(references.dumps(("ok", owners(modelled))))
        shared: Grants = references.loads(connection.recv_bytes())
        for name, outcome in modelled.items():
            connection.send_bytes(references.dumps(("ok", (name, render(name, outcome, shared)))))
        connection.send_bytes(references.dumps(("ok", None)))  # this worker is done
    except BaseException:  # every failure goes to the parent, which reports it as a bug
        # the parent may have gone, or stopped on another worker's failure: then no one is left to tell
        with contextlib.suppress(OSError):
            connection.send_bytes(references.dumps(("error", traceback.format_exc())))
    finally:
        connection.close()


def _receive(connection: Connection, references: References) -> Any:
    try:
        status, payload = references.loads(connection.recv_bytes())
    except EOFError as error:
        raise InternalError("a worker process ended without its results") from error
    if status != "ok":
        raise InternalError(f"a worker process failed:\n{payload}")
    return payload
