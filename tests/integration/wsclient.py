"""A blocking line client over WebSocket (python3-websockets 10.4 has only an
asyncio API): each call runs the coroutine on a private event loop."""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Optional, Union

import websockets

from conftest import Msg, T, parse_line


class WsClient:
    def __init__(self, url: str, nick: str = "", subprotocols=("text.ircv3.net",)):
        self.nick = nick
        self.log: list[Msg] = []
        self.loop = asyncio.new_event_loop()

        async def connect():  # created inside the loop that runs it
            return await websockets.connect(
                url, subprotocols=list(subprotocols) or None, open_timeout=T(5),
                ping_interval=None, max_size=1 << 20)

        self.ws = self.loop.run_until_complete(connect())

    @property
    def subprotocol(self) -> Optional[str]:
        return self.ws.subprotocol

    def send(self, *lines: str) -> None:
        for line in lines:
            self.loop.run_until_complete(self.ws.send(line))

    def send_binary(self, data: bytes) -> None:
        self.loop.run_until_complete(self.ws.send(data))

    def read(self, timeout: float) -> Optional[Union[str, bytes]]:
        """One message, or None on timeout; raises ConnectionClosed at the end."""
        try:
            async def recv():
                return await asyncio.wait_for(self.ws.recv(), timeout)
            return self.loop.run_until_complete(recv())
        except asyncio.TimeoutError:
            return None

    def expect(self, pred: Union[str, Callable[[Msg], bool]], timeout: float = 5.0) -> Msg:
        import re
        test = pred if callable(pred) else (lambda m, rx=re.compile(pred): rx.search(m.raw))
        deadline = time.monotonic() + T(timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                tail = "\n".join(m.raw for m in self.log[-20:])
                raise AssertionError(f"{self.nick}: no matching message within {T(timeout)}s:\n{tail}")
            raw = self.read(left)
            if raw is None:
                continue
            assert isinstance(raw, str), f"expected a text message, got {raw!r}"
            assert "\r" not in raw and "\n" not in raw, f"line ending inside a message: {raw!r}"
            m = parse_line(raw)
            self.log.append(m)
            if m.command == "PING":
                self.send("PONG :" + m.trailing)
            if test(m):
                return m

    def register(self, nick: str) -> None:
        self.nick = nick
        self.send(f"NICK {nick}", f"USER {nick} 0 * :WebSocket {nick}")
        m = self.expect(lambda m: m.command in ("376", "422", "432", "433", "ERROR"))
        assert m.command in ("376", "422"), m.raw

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.ws.close())
        except Exception:
            pass
        self.loop.close()
