"""`python -m hubsim`: the command line."""

import sys

from hubsim.cli import main

sys.exit(main())
