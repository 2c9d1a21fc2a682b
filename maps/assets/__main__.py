"""``python -m maps.assets``: verify the installed browser assets of the HTML map (no network)."""

import sys

from maps.assets import main

if __name__ == "__main__":
    sys.exit(main())
