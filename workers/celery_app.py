"""The Celery application of the worker and beat processes (``codecommons worker``,
``codecommons beat``).

It is :func:`app.kit.celery.get_celery` with every feature's ``app/<feature>/tasks.py``
loaded: the modules are found on disk, not listed, so a new feature's tasks run as
soon as its folder has a ``tasks.py``. Beat's schedule is what those modules declared
with :func:`app.kit.celery.periodic_task`.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from celery import Celery

import app
from app.config import get_settings
from app.kit.celery import PERIODIC, get_celery


def task_modules() -> list[str]:
    """``app.<feature>.tasks`` for every feature package that has one."""
    found = []
    for feature in pkgutil.iter_modules(app.__path__):
        name = f"app.{feature.name}.tasks"
        if feature.ispkg and importlib.util.find_spec(name) is not None:
            found.append(name)
    return sorted(found)


def worker_celery() -> Celery:
    """The shared Celery app with the tasks loaded and beat's schedule set."""
    celery = get_celery()
    modules = task_modules()
    for name in modules:
        importlib.import_module(name)
    settings = get_settings()
    celery.conf.update(
        include=modules,
        beat_schedule={
            name: {"task": name, "schedule": every(settings)}
            for name, every in sorted(PERIODIC.items())
        },
    )
    return celery
