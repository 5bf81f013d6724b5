"""Root conftest: nothing to do here.

The suite's plugin (``p2p_conformance.pytest_plugin.plugin``) is loaded by pytest itself through the
``pytest11`` entry point of the installed package, so its options are known before pytest reads
the command line's paths, and another project can use it by installing this package.
"""
