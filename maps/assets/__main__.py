"""``python -m maps.assets``: install and verify the pinned browser assets of the HTML map."""

import sys

from maps.assets import main

sys.exit(main())
