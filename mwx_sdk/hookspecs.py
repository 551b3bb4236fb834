"""Hook specifications: one ``register_*`` hook per extension point.

A plugin is a module (found through the ``mwx`` entry-point group) that implements some of
these hooks with the :data:`mwx_sdk.hookimpl` marker::

    from mwx_sdk import hookimpl

    @hookimpl
    def register_experts(register):
        register(MyExpert, name="wave")

Each ``register`` callback takes the object, an optional ``name`` (defaults to the object's
``name`` attribute, else an expert's ``spec.name``), an optional one-line ``description``
(defaults to an expert's ``spec.description``, else the docstring's first line) and, for
components, ``defaults``: keyword arguments merged under the user's config.
New arguments are only ever added in ways pluggy's opt-in rule keeps backward compatible.

A component's options are its constructor's keyword arguments. They are checked before the
constructor runs, so a misspelt or mistyped option in an agent file gets a one-line error
naming the component; a constructor that takes ``**kwargs`` is followed to the config
dataclass it builds (set the class attribute ``config_class`` to that dataclass when it
cannot be found from the constructor's code).

A plugin that raises, or calls ``sys.exit``, while importing or inside a hook is reported
with a warning naming its distribution, and the other plugins still load.
"""

from __future__ import annotations

import pluggy

PROJECT = "mwx"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_experts(register):
    """Register expert classes (subclasses of :class:`mwx_sdk.interfaces.Expert`).

    :param register: ``register(cls, name=None, description=None, defaults=None)``
    """


@hookspec
def register_routers(register):
    """Register router classes (subclasses of :class:`mwx_sdk.interfaces.Router`).

    :param register: ``register(cls, name=None, description=None, defaults=None)``
    """


@hookspec
def register_planners(register):
    """Register planner classes (subclasses of :class:`mwx_sdk.interfaces.Planner`).

    :param register: ``register(cls, name=None, description=None, defaults=None)``
    """


@hookspec
def register_vlm_backends(register):
    """Register VLM backend classes (subclasses of :class:`mwx_sdk.interfaces.VLMBackend`).

    :param register: ``register(cls, name=None, description=None, defaults=None)``
    """


@hookspec
def register_envs(register):
    """Register gymnasium environment ids.

    :param register: ``register(env_id, entry_point, description=None, **gym_kwargs)`` where
        ``entry_point`` is ``"module:Class"`` or a callable and ``gym_kwargs`` go to
        ``gymnasium.register`` (``max_episode_steps``, ``kwargs``, ...).
    """


@hookspec
def register_tasks(register):
    """Register tasks (:class:`mwx_sdk.task.Task`): each gets its gymnasium id, its default
    composition in ``mwx run``/``mwx eval``, and its objective in the ``mppi`` planner, like a
    bundled task.

    :param register: ``register(task)``
    """


@hookspec
def register_commands(app):
    """Add commands or command groups to the ``mwx`` command line.

    Only new names are added: a command or group whose name is taken (a built-in command such
    as ``run``, or another plugin's) is refused with a warning, as is replacing the root
    callback. The command's docstring becomes its help, shown without reStructuredText markup.

    :param app: the root ``typer.Typer`` application; use ``app.command()`` or ``app.add_typer``.
    """
