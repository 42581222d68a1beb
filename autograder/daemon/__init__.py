"""The grader daemon: ``python -m autograder grade`` served by a warm grader process of the user's.

``client.py`` is the command's side, ``server.py`` the daemon's, ``protocol.py`` what they say and
``address.py`` where they meet. ``NNHW_DAEMON=0`` turns it off: every command then grades in its own
process, as ``grade-all``, ``demo`` and Gradescope's runs always do.
"""
