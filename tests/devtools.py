"""A page in headless Chromium, waited on through the DevTools protocol (on loopback): for a page whose content
comes after its load event (a player drawing its recording), the test waits for that content itself, the time
bound only a backstop."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from p2p_conformance.report.render_check import FLAGS, SCREEN, find_browser

BACKSTOP_SECONDS = 120.0
LISTENING = re.compile(r"DevTools listening on (ws://127\.0\.0\.1:(\d+)/\S+)")

# Resolves with the element's text once it holds the expected text: checked at once, then on every change.
WAIT_FOR_TEXT = """new Promise((resolve) => {
  const check = () => {
    const found = document.querySelector(%(selector)s);
    if (found && found.innerText.includes(%(expected)s)) { observer.disconnect(); resolve(found.innerText); }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true, characterData: true});
  check();
})"""


def _devtools_port(browser: subprocess.Popen[str]) -> str:
    """The port Chromium's DevTools listen on, from the line it writes first; its error output is read on to its
    end meanwhile (a full pipe would stop the browser)."""
    found: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        assert browser.stderr is not None
        for line in browser.stderr:
            if listening := LISTENING.search(line):
                found.put(listening.group(2))

    threading.Thread(target=drain, daemon=True).start()
    return found.get(timeout=BACKSTOP_SECONDS)


def text_once_shown(page: Path, selector: str, expected: str) -> str:
    """The text of ``selector`` in ``page`` once it contains ``expected`` (raises TimeoutError at the backstop).
    The browser opens on a blank page; the file is loaded through the protocol, and asked once its load event
    has fired, so the question goes to the file's page and not to the blank one before it."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        command = [
            find_browser(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={SCREEN[0]},{SCREEN[1]}",
            "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank",
        ]  # fmt: skip
        browser = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            port = _devtools_port(browser)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=BACKSTOP_SECONDS) as answer:
                target = next(t for t in json.load(answer) if t["type"] == "page")
            with connect(target["webSocketDebuggerUrl"], open_timeout=BACKSTOP_SECONDS, max_size=None) as devtools:

                def ask(number: int, method: str, **params: object) -> None:
                    devtools.send(json.dumps({"id": number, "method": method, "params": params}))

                def until(done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
                    while not done(message := json.loads(devtools.recv(timeout=BACKSTOP_SECONDS))):
                        pass
                    return message

                ask(1, "Page.enable")
                until(lambda message: message.get("id") == 1)
                ask(2, "Page.navigate", url=page.resolve().as_uri())
                until(lambda message: message.get("method") == "Page.loadEventFired")
                expression = WAIT_FOR_TEXT % {"selector": json.dumps(selector), "expected": json.dumps(expected)}
                ask(3, "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
                answer = until(lambda message: message.get("id") == 3)
                if "result" not in answer or "exceptionDetails" in answer["result"]:
                    raise RuntimeError(f"the page could not be asked: {answer}")
                return str(answer["result"]["result"]["value"])
        finally:  # Chromium and every process it started
            os.killpg(browser.pid, signal.SIGKILL)
            browser.wait()
