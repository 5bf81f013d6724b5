"""The endpoint suite: every contract of the catalog as a test, run by pytest from the installed package
(``pytest --pyargs p2p_conformance.suite``) as from a checkout (``pytest``)."""
