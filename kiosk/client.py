"""The Python client of the queue server, used by every window, the tests and the benches.

No Qt here: the windows call it from worker threads. ``ApiClient`` wraps the
JSON API; ``EventStream`` follows the live events from a background thread,
delivering each event exactly once and in order across reconnects.
"""
from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from typing import Any, Callable
from urllib.parse import quote, urlencode

import httpx
from websockets.exceptions import InvalidHandshake, WebSocketException
from websockets.sync.client import connect as ws_connect

from kiosk import i18n, tls
from kiosk.i18n import t
from kiosk.protocol.actions import action_by_name
from kiosk.protocol.views import CatalogView

log = logging.getLogger(__name__)

# The languages a ticket itself may have (its voice calls and phone page): the wire contract's.
# Any other catalog language (a translator's draft, a test's pseudo-language) still gets the
# server's sentences in it, on an Indonesian ticket.
TICKET_LANGS = ("id", "en")


class ApiError(Exception):
    """A refused or failed request. ``status`` is None when the server could not be reached."""

    def __init__(self, status: int | None, code: str, message: str, details: dict | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"ApiError(status={self.status!r}, code={self.code!r}, message={self.message!r})"


def _lang(lang: str | None) -> str:
    return lang if lang in i18n.languages() else i18n.FALLBACK


class ApiClient:
    """One queue server, one credential: a device key, or a staff session after ``login``.

    Thread-safe: one httpx connection pool, shared by every thread (httpx's pool takes
    its own locks), so a worker thread that lives for one job still reuses connections.
    """

    def __init__(self, base_url: str, key: str | None = None, lang: str = "id", timeout: float = 5.0,
                 ssl_context: ssl.SSLContext | None = None):
        self.base_url = base_url.rstrip("/")
        self.key = key
        # for an https:// server: kiosk.tls.client_ssl_context(config) pins its certificate
        self.ssl_context = ssl_context
        self.lang = _lang(lang)
        self.timeout = timeout
        self.session: dict | None = None  # the login answer while logged in
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing

    @property
    def credential(self) -> str | None:
        """What goes in 'Authorization: Bearer …': the staff session when logged in, else the device key."""
        return self.session["token"] if self.session else self.key

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(base_url=self.base_url, timeout=self.timeout,
                                            verify=self.ssl_context if self.ssl_context is not None else True)
            return self._client

    def request(self, method: str, path: str, *, body: Any = None, params: dict | None = None,
                lang: str | None = None) -> Any:
        lang = _lang(lang or self.lang)
        headers = {"Accept-Language": lang}
        if self.credential:
            headers["Authorization"] = f"Bearer {self.credential}"
        try:
            response = self._http().request(method, path, json=body, params=params, headers=headers)
        except httpx.HTTPError as exc:  # refused, reset, timed out, DNS, ...
            failure = tls.tls_failure(exc)
            if failure is not None:  # reachable, but not the server we trust: say so, not "unreachable"
                raise ApiError(None, "tls_refused", tls.failure_sentence(failure, lang),
                               {"reason": str(failure)}) from None
            raise ApiError(None, "unreachable", t("client.unreachable", lang), {"reason": str(exc) or type(exc).__name__}) from None
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = None
        if response.is_success:
            if data is None:
                raise ApiError(response.status_code, "bad_answer", t("client.bad_answer", lang, status=response.status_code))
            return data
        retry_after = response.headers.get("retry-after")
        if isinstance(data, dict) and "error" in data:
            raise ApiError(response.status_code, str(data["error"]), str(data.get("message", "")), data,
                           float(retry_after) if retry_after and retry_after.isdigit() else None)
        raise ApiError(response.status_code, "bad_answer", t("client.bad_answer", lang, status=response.status_code))

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ the API

    def health(self) -> dict:
        return self.request("GET", "/healthz")

    def settings(self) -> dict:
        """This device's settings from the server: {version, role, config} (kiosk.settings_sync builds a Config)."""
        return self.request("GET", "/api/v1/settings")

    def notices(self) -> list[dict]:
        """The notices up now on the displays' ticker: [{id, text: {id, en}, until}]."""
        return self.request("GET", "/api/v1/notices")["notices"]

    def add_notice(self, text: dict, until: str | None = None) -> dict:
        """Put a notice up (manager key): {id, seq}."""
        return self.request("POST", "/api/v1/notices", body={"text": text, "until": until})

    def remove_notice(self, notice_id: int) -> dict:
        return self.request("DELETE", f"/api/v1/notices/{int(notice_id)}")

    def catalog(self, lang: str | None = None) -> dict:
        lang = _lang(lang or self.lang)
        return self.request("GET", "/api/v1/catalog", params={"lang": lang}, lang=lang)

    def catalog_view(self, lang: str | None = None) -> CatalogView:
        """The catalog, typed (what the kiosk reads): ``catalog.service("ktp").waiting``."""
        return CatalogView.model_validate(self.catalog(lang))

    def issue(self, service_id: str, priority: bool = False, lang: str | None = None,
              request_id: str | None = None) -> dict:
        """Issue a ticket. With a ``request_id`` (one per tap) the call may be retried safely after
        a lost answer: the server returns the ticket that id already made ("replayed": true)."""
        lang = _lang(lang or self.lang)
        body = {"service_id": service_id, "priority": priority, "lang": lang if lang in TICKET_LANGS else i18n.FALLBACK}
        if request_id is not None:
            body["request_id"] = request_id
        return self.request("POST", "/api/v1/tickets", body=body, lang=lang)

    def check_in(self, code: str, lang: str | None = None) -> dict:
        """Check a booking in (its code as typed or scanned): its ticket, marked as booked with its slot."""
        lang = _lang(lang or self.lang)
        body = {"code": code, "lang": lang if lang in TICKET_LANGS else i18n.FALLBACK}
        return self.request("POST", "/api/v1/bookings/check-in", body=body, lang=lang)

    def ticket(self, token: str) -> dict:
        return self.request("GET", f"/api/v1/tickets/{quote(token, safe='')}")

    def rejoin(self, token: str) -> dict:
        return self.request("POST", f"/api/v1/tickets/{quote(token, safe='')}/rejoin")

    def survey(self, token: str, scores: list[int], comment: str = "", survey_token: str | None = None) -> dict:
        """As the phone page does: ``survey_token`` is its form's one-time token (the server refuses a survey
        without it, and any survey from a client holding a device key or staff session)."""
        body = {"scores": list(scores), "comment": comment}
        if survey_token is not None:
            body["survey_token"] = survey_token
        return self.request("POST", f"/api/v1/tickets/{quote(token, safe='')}/survey", body=body)

    def login(self, user: str, pin: str, counter_id: str) -> dict:
        """Log in to a counter; later calls act as this staff member until ``logout``."""
        answer = self.request("POST", "/api/v1/sessions", body={"user": user, "pin": str(pin), "counter_id": counter_id})
        self.session = answer
        return answer

    def logout(self) -> dict:
        """End the session (the counter closes unless a ticket is still at it); back to the device key."""
        if not self.session:
            return {"closed": False, "counter": None}
        try:
            return self.request("DELETE", "/api/v1/sessions")
        finally:
            self.session = None

    def void(self, reason: str, codes: list[str] | None = None,
             range_: tuple[str, int, int] | None = None) -> dict:
        """A supervisor's session voids tickets of today: codes and/or range_ (prefix, first, last).
        Returns {voided: [tickets], skipped: [{code, state}], seq}."""
        body: dict[str, Any] = {"reason": reason, "codes": list(codes or [])}
        if range_ is not None:
            prefix, first, last = range_
            body["range"] = {"prefix": prefix, "from_number": first, "to_number": last}
        return self.request("POST", "/api/v1/tickets/void", body=body)

    def counter_action(self, counter_id: str, name: str, body: dict | None = None) -> dict:
        """One counter action of kiosk.protocol.actions by its name (``"no_show"``, ``"transfer"`` with
        ``{"service_id": …}``); the route is the table's. Returns {action, ticket, counter, seq}."""
        return self.action(counter_id, action_by_name(name).path, **(body or {}))

    def action(self, counter_id: str, path: str, **body) -> dict:
        """POST /api/v1/counters/{counter_id}/{path} as given: the tests use it to send any path,
        a wrong one too; a window calls :meth:`counter_action`."""
        return self.request("POST", f"/api/v1/counters/{quote(counter_id, safe='')}/{quote(path, safe='')}",
                            body=body or None)

    def waiting(self, counter_id: str) -> list[dict]:
        return self.request("GET", f"/api/v1/counters/{quote(counter_id, safe='')}/waiting")["tickets"]

    def stats(self, counter_id: str) -> dict:
        return self.request("GET", f"/api/v1/counters/{quote(counter_id, safe='')}/stats")

    def state(self) -> dict:
        return self.request("GET", "/api/v1/state")

    def security_events(self) -> dict:
        """Today's login lockouts and counter take-overs (a supervisor's session or the manager key)."""
        return self.request("GET", "/api/v1/security/events")

    def request_help(self, screen: str, lang: str) -> dict:
        """A visitor at this kiosk asks for help: {seq} of the open call."""
        return self.request("POST", "/api/v1/help", body={"screen": screen, "lang": lang})

    def acknowledge_help(self, seq: int) -> dict:
        """This staff member is coming to the kiosk of call ``seq``."""
        return self.request("POST", f"/api/v1/help/{int(seq)}/acknowledge")

    def printer_fault(self, kind: str, message: str, code: str | None = None) -> dict:
        return self.request("POST", "/api/v1/devices/printer-fault", body={"kind": kind, "message": message, "code": code})

    # enrolled devices (the manager key): kiosk.server.devices_api

    def devices(self) -> dict:
        """{devices: [{name, role, enrolled_at, last_seen, revoked_at}], config_devices, pending}."""
        return self.request("GET", "/api/v1/devices")

    def approve_device(self, code: str, role: str, name: str) -> dict:
        return self.request("POST", "/api/v1/devices/approve", body={"code": code, "role": role, "name": name})

    def rename_device(self, name: str, new_name: str) -> dict:
        return self.request("POST", f"/api/v1/devices/{quote(name, safe='')}/rename", body={"name": new_name})

    def revoke_device(self, name: str) -> dict:
        return self.request("POST", f"/api/v1/devices/{quote(name, safe='')}/revoke")

    # the lobby's files (kiosk.files.sync_files)

    def files(self) -> dict:
        """{role, files: [{name, size, sha256}]}: what this device's role may fetch."""
        return self.request("GET", "/api/v1/files")

    def download_file(self, name: str, write: Callable[[bytes], None]) -> None:
        """Stream one file of the manifest to ``write``, chunk by chunk (ApiError as ``request``)."""
        headers = {"Authorization": f"Bearer {self.credential}"} if self.credential else {}
        try:
            with self._http().stream("GET", f"/api/v1/files/{quote(name, safe='/')}", headers=headers) as response:
                if not response.is_success:
                    response.read()
                    raise ApiError(response.status_code, "not_found" if response.status_code == 404 else "bad_answer",
                                   t("client.bad_answer", self.lang, status=response.status_code))
                for chunk in response.iter_bytes():
                    write(chunk)
        except httpx.HTTPError as exc:
            raise ApiError(None, "unreachable", t("client.unreachable", self.lang),
                           {"reason": str(exc) or type(exc).__name__}) from None


def _refused(response) -> PermissionError:
    """A 401: "revoked" when the server says this device was revoked (its sentence kept), else "unauthorized"."""
    try:
        data = response.json()
    except ValueError:
        data = {}
    error = data.get("error") if isinstance(data, dict) else None
    exc = PermissionError("revoked" if error == "device_revoked" else "unauthorized")
    exc.sentence = str(data.get("message") or "") if isinstance(data, dict) else ""
    return exc


class _Resync(Exception):
    """The server has no events as far as our seq: take a new snapshot."""


class EventStream:
    """Follow the lobby's events from a background thread.

    Without ``since`` it first takes a snapshot (``on_snapshot(snapshot)``) and
    subscribes from its seq. Each event reaches ``on_event`` once, in order;
    after a drop it reconnects (0.2 s, doubling to 2 s) from the last event
    delivered. ``on_status`` hears "connected", "disconnected" and
    "unauthorized" (the credential was refused; it keeps retrying), "revoked" (this enrolled device was
    revoked: ``refusal`` holds the server's sentence; it keeps retrying, slowly) and "untrusted"
    (the server's certificate was refused, ``tls_problem`` says why; it keeps retrying). Callbacks run
    on the stream's thread.
    """

    BACKOFF_START_S = 0.2
    BACKOFF_MAX_S = 2.0
    RECV_SLICE_S = 0.2  # how often the thread looks at its stop flag

    def __init__(self, base_url: str, credential: str, *, on_event: Callable[[dict], None],
                 on_status: Callable[[str], None] | None = None, on_snapshot: Callable[[dict], None] | None = None,
                 since: int | None = None, silence_timeout: float = 45.0, start: bool = True,
                 ssl_context: ssl.SSLContext | None = None):
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.ssl_context = ssl_context
        self.tls_problem: ssl.SSLError | None = None  # why the last TLS handshake was refused (tls.failure_sentence)
        self.refusal: str | None = None  # the server's sentence while the credential is refused (e.g. revoked)
        self.on_event = on_event
        self.on_status = on_status
        self.on_snapshot = on_snapshot
        self.last_seq: int | None = since
        self.silence_timeout = silence_timeout
        self.status: str | None = None
        self.connections = 0  # how many times it connected; tests and logs use it
        self._stop = threading.Event()
        self._ws = None
        self._thread = threading.Thread(target=self._run, name="event-stream", daemon=True)
        if start:
            self._thread.start()

    def start(self) -> "EventStream":
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            try:
                ws.close()
            except Exception:  # already closing from the thread's side
                pass
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # ------------------------------------------------------------------ the thread

    def _set_status(self, status: str) -> None:
        if status == self.status:
            return
        self.status = status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("on_status callback failed")

    def _snapshot(self) -> None:
        verify = self.ssl_context if self.ssl_context is not None else True
        with httpx.Client(base_url=self.base_url, timeout=5.0, verify=verify) as http:
            response = http.get("/api/v1/state", headers={"Authorization": f"Bearer {self.credential}"})
        if response.status_code == 401:
            raise _refused(response)
        response.raise_for_status()
        snapshot = response.json()
        if self.on_snapshot is not None:
            self.on_snapshot(snapshot)
        self.last_seq = snapshot["seq"]

    def _ws_url(self) -> str:
        scheme = "wss" if self.base_url.startswith("https") else "ws"
        host = self.base_url.split("://", 1)[1]
        return f"{scheme}://{host}/api/v1/events?{urlencode({'since': self.last_seq})}"

    def _run(self) -> None:
        backoff = self.BACKOFF_START_S
        while not self._stop.is_set():
            try:
                if self.last_seq is None:
                    self._snapshot()
                self._listen()
                backoff = self.BACKOFF_START_S
                if self._stop.is_set():
                    break
                self._set_status("disconnected")
            except _Resync:
                self.last_seq = None if self.on_snapshot is not None else self.last_seq
                continue
            except PermissionError as exc:
                self.refusal = getattr(exc, "sentence", None) or self.refusal
                self._set_status("revoked" if str(exc) == "revoked" else "unauthorized")
                backoff = self.BACKOFF_MAX_S
            except (OSError, httpx.HTTPError, WebSocketException, InvalidHandshake, TimeoutError, ValueError, KeyError) as exc:
                if self._stop.is_set():
                    break
                failure = tls.tls_failure(exc)
                if failure is not None:
                    # retried like a dropped network (the certificate may be fixed), but said once, not every 2 s
                    if self.tls_problem is None or str(self.tls_problem) != str(failure):
                        log.warning("event stream: %s", tls.failure_sentence(failure, "en"))
                    self.tls_problem = failure
                    self._set_status("untrusted")
                    backoff = self.BACKOFF_MAX_S
                else:
                    log.debug("event stream dropped: %r", exc)
                    self._set_status("disconnected")
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, self.BACKOFF_MAX_S)

    def _listen(self) -> None:
        url = self._ws_url()
        # websockets refuses an ssl argument for ws://
        secure = {"ssl": self.ssl_context} if url.startswith("wss:") and self.ssl_context is not None else {}
        with ws_connect(url, additional_headers={"Authorization": f"Bearer {self.credential}"}, **secure,
                        open_timeout=3, close_timeout=0.5, ping_interval=20, ping_timeout=20,
                        max_size=2**22, compression=None) as ws:
            self._ws = ws
            try:
                heard = time.monotonic()
                while not self._stop.is_set():
                    try:
                        text = ws.recv(timeout=self.RECV_SLICE_S)
                    except TimeoutError:
                        if time.monotonic() - heard > self.silence_timeout:
                            raise TimeoutError("no message or ping from the server") from None
                        continue
                    heard = time.monotonic()
                    message = json.loads(text)
                    kind = message.get("type")
                    if kind == "hello":  # the server accepted us; events follow
                        self.connections += 1
                        self.tls_problem = None
                        self._set_status("connected")
                    elif kind == "error":
                        if message.get("error") in ("unauthorized", "device_revoked"):
                            self.refusal = str(message.get("message") or "") or None
                            raise PermissionError("revoked" if message["error"] == "device_revoked" else "unauthorized")
                        raise ValueError(f"the server refused the stream: {message.get('message')}")
                    elif kind == "resync":
                        log.warning("server events end at seq %s, before ours (%s): taking a new snapshot",
                                    message.get("seq"), self.last_seq)
                        if self.on_snapshot is None:
                            self.last_seq = int(message.get("seq", 0))
                        raise _Resync()
                    elif "seq" in message:
                        self._deliver(message)
            finally:
                self._ws = None

    def _deliver(self, event: dict) -> None:
        seq = int(event["seq"])
        if self.last_seq is not None and seq <= self.last_seq:
            return  # already delivered before a reconnect
        try:
            self.on_event(event)
        except Exception:
            log.exception("on_event callback failed for seq %s", seq)
        self.last_seq = seq
