"""Loads a log directory the way TensorBoard's server does, for the read_*.py scripts.

The scripts run as `python tests/common/read_*.py`, so this directory is on sys.path and
they import this module as a sibling.
"""

import werkzeug
from werkzeug import test as werkzeug_test

from tensorboard import context
from tensorboard.backend.event_processing import data_provider
from tensorboard.backend.event_processing import plugin_event_accumulator
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins import base_plugin


def load(logdir):
    """Returns (multiplexer, provider, ctx) for LOGDIR, every event kept.

    The plugin event multiplexer with STORE_EVERYTHING size guidance (nothing sampled
    away), the data provider the web server queries over it, and a request context.
    """
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        size_guidance=plugin_event_accumulator.STORE_EVERYTHING_SIZE_GUIDANCE
    )
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    return multiplexer, provider, context.RequestContext()


def plugin_context(logdir, provider, multiplexer=None):
    """The TBContext a plugin is built with; `multiplexer` only for the plugins that use it."""
    return base_plugin.TBContext(
        logdir=logdir, data_provider=provider, multiplexer=multiplexer
    )


def route_getter(apps):
    """A `get(route, **query)` that calls one of a plugin's WSGI `apps` as the dashboard
    does and returns its response; a status other than 200 ends the script with it."""

    def get(route, **query):
        client = werkzeug_test.Client(apps[route], werkzeug.Response)
        response = client.get(route, query_string=query)
        if response.status_code != 200:
            raise SystemExit(f"{route} {query}: {response.status_code} {response.data!r}")
        return response

    return get
