"""``python -m bot run|prepare|train``: see :mod:`bot.stack.launcher`."""

import sys

from bot.stack.launcher import main

sys.exit(main(sys.argv[1:]))
