"""A local simulator of Akool's head-swap Open API: a real HTTP server for demos and tests.

Importing ``headswap_nb`` never imports this package; importing it loads starlette and
uvicorn but starts nothing. ``serve()`` runs it on a loopback socket; ``create_app()`` gives
the ASGI app for ``httpx.ASGITransport``. What each URL does is in ``scenarios.py`` (hint
grammar), what credits jobs cost in ``billing.py``, the real source clips it serves in
``videos.py`` (``Simulator.video_url``), faults in ``faults.py``, admin routes in
``admin.py``, served media in ``media_routes.py``.
"""

from headswap_nb.simulator.app import core_of, create_app
from headswap_nb.simulator.config import SimulatorConfig
from headswap_nb.simulator.core import SimulatorCore
from headswap_nb.simulator.faults import FaultConfig, FaultKind
from headswap_nb.simulator.profiles import Profile, progress_at
from headswap_nb.simulator.scenarios import Scenario, scenario_for
from headswap_nb.simulator.server import Simulator, serve

__all__ = [
    "FaultConfig",
    "FaultKind",
    "Profile",
    "Scenario",
    "Simulator",
    "SimulatorConfig",
    "SimulatorCore",
    "core_of",
    "create_app",
    "progress_at",
    "scenario_for",
    "serve",
]
