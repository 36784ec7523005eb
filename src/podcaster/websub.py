"""WebSub: tell the show's hub that the feed changed, so subscribed apps fetch it at once."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

from podcaster import __version__
from podcaster.errors import StorageError

TIMEOUT_SECONDS = 15


def ping(hub: str, feed_url: str) -> None:
    """POST hub.mode=publish for `feed_url` to `hub`; raise StorageError unless the hub accepts it."""
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode("ascii")
    request = urllib.request.Request(hub, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": f"podcaster/{__version__}",
    })
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as e:
        raise StorageError(f"the WebSub hub {hub} refused the ping for {feed_url}: HTTP {e.code} {e.reason}") from e
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise StorageError(f"the WebSub hub {hub} could not be reached: {reason}") from e
