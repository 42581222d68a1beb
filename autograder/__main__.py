"""``python -m autograder VERB``: a thin command line over the autograder's API."""

from .cli import main

raise SystemExit(main())
