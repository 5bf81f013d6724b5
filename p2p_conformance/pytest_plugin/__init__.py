"""The pytest layer: the only code that imports pytest.

:mod:`.plugin` is the plugin pytest loads through the ``pytest11`` entry point: it wires every
hook, marker and option. Options become one frozen :class:`.settings.RunSettings`; :mod:`.fixtures`
hands the engine's sessions to the tests; :mod:`.worker` turns each live test into a record where
it runs, and :mod:`.controller` alone stores the history and writes the reports.
"""
