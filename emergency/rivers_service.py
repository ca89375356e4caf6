"""The application's river network: loaded once per process, on first use, thread-safely."""

from __future__ import annotations

import threading
from pathlib import Path

from rivers.loader import load_network
from rivers.network import RiverNetwork


class RiverNetworkHolder:
    """Loads the network lazily so that CLI commands that do not need it stay fast."""

    def __init__(self, cache_dir: Path | None, network: RiverNetwork | None = None) -> None:
        self.cache_dir = cache_dir
        self._network = network
        self._lock = threading.Lock()

    def get(self) -> RiverNetwork:
        if self._network is None:
            with self._lock:
                if self._network is None:
                    self._network = load_network(cache_dir=self.cache_dir)
        return self._network
