"""``python -m bot run|prepare|train``: see :mod:`bot.launcher`."""

import sys

from bot.launcher import main

sys.exit(main(sys.argv[1:]))
