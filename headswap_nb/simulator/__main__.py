"""``python -m headswap_nb.simulator``: same as ``headswap-nb simulate``."""

import sys

from headswap_nb.simulator.cli import run_simulate_cli

sys.exit(run_simulate_cli())
