"""A busy day, simulated: a large MPP at 10x today's load against the real queue server.

    .venv/bin/python bench/day.py [--tickets 10000] [--hours 8] [--wall 240] [--seed 7]

10,000 tickets over an 8-hour day with arrival peaks at 09:00 and 13:00, 100
counters of 20 agencies (50 services), 5 kiosks and 10 displays, with
no-shows, recalls, transfers and counter pauses. The server is the real one
(``python -m kiosk server``, its own process, so its CPU and memory can be
measured) over HTTP and WebSockets on loopback, on the real clock: its config
is open 00:00-24:00 every day. Simulated time only drives when the kiosks and
counters act, compressed so the day takes ``--wall`` seconds.

The kiosks, the counters and the displays each run in a process of their own,
so 100 counter threads do not add their waits for one GIL to the latencies
measured at the kiosks and displays. Counters learn of new tickets from the
event stream, as counter windows do. time.perf_counter is the system-wide
monotonic clock on Linux, so "call -> display event" is measured from just
before the counter's call-next request is sent (counters' process) to the
event's arrival at each display (displays' process). The server's own share
of each latency comes from its access log.

Simulated time is compressed, so each kiosk issues far faster than a person:
the config raises server.limits.issue_per_minute and the output says so.
Prints the figures, then one JSON line (units in the keys). Targets on a
2-core machine: p99 issue <= 50 ms, p99 call -> display event <= 50 ms,
server RSS <= 200 MB, and no display may lose or double an event.
"""
from __future__ import annotations

import argparse
import bisect
import json
import math
import multiprocessing
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
import psutil  # noqa: E402

from kiosk.client import ApiClient, ApiError, EventStream  # noqa: E402
from kiosk.lobby_state import LobbyState  # noqa: E402
from support.toml_writer import to_toml  # noqa: E402  (the same tiny TOML writer the tests use)

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PIN = "1234"
TARGETS = {"issue_ms_p99": 50.0, "call_to_display_ms_p99": 50.0, "server_rss_mb_max": 200.0}
# a day compressed into minutes: each kiosk issues hundreds a minute, far over the lobby's 30, on purpose
ISSUE_LIMITS = {"issue_per_minute": 100_000, "issue_burst": 1_000}


# --------------------------------------------------------------------------- the lobby

@dataclass(frozen=True)
class Lobby:
    config: dict
    agency_of_service: dict[str, str]
    services_of_agency: dict[str, list[str]]
    counters: list[tuple[str, str, str]]  # (counter id, agency id, staff user)
    kiosk_keys: list[str]
    display_keys: list[str]


def make_lobby(*, agencies: int, services: int, counters: int, kiosks: int, displays: int, pin_hash: str,
               workdir: Path) -> Lobby:
    """``agencies`` agencies sharing ``services`` services and ``counters`` counters as evenly as they go."""
    if not 1 <= agencies <= 26 or services < agencies or counters < agencies:
        raise ValueError("need 1-26 agencies, at least one service and one counter per agency")
    agency_ids = [f"instansi-{n + 1:02d}" for n in range(agencies)]
    services_of_agency = {a: [] for a in agency_ids}
    for n in range(services):
        services_of_agency[agency_ids[n % agencies]].append(f"layanan-{n + 1:02d}")
    agency_of_service = {s: a for a, ss in services_of_agency.items() for s in ss}
    counter_rows, staff = [], []
    for n in range(counters):
        agency = agency_ids[n % agencies]
        mine = services_of_agency[agency]
        counter_id, user = f"loket-{n + 1:03d}", f"petugas{n + 1:03d}"
        counter_rows.append({"id": counter_id, "number": str(n + 1), "agency": agency,
                             "services": mine[n % len(mine):] + mine[:n % len(mine)]})
        staff.append({"user": user, "name": f"Petugas {n + 1}", "pin_hash": pin_hash, "counters": [counter_id]})
    kiosk_keys = [f"kiosk-{n + 1}-key-{'k' * 20}" for n in range(kiosks)]
    display_keys = [f"display-{n + 1}-key-{'d' * 20}" for n in range(displays)]
    devices = ([{"name": f"kiosk{n + 1}", "role": "kiosk", "key": key} for n, key in enumerate(kiosk_keys)]
               + [{"name": f"display{n + 1}", "role": "display", "key": key} for n, key in enumerate(display_keys)]
               + [{"name": "counterapp", "role": "counter-app", "key": "counter-app-key-" + "c" * 20}])
    config = {
        "lobby": {"name": "MPP Bench (10x)", "timezone": "Asia/Makassar"},
        "server": {"database": str(workdir / "queue.sqlite"), "log_dir": str(workdir / "logs"), "devices": devices,
                   "limits": ISSUE_LIMITS},
        "agencies": [{"id": a, "name": f"Instansi {n + 1}", "short_name": f"Instansi {n + 1}"}
                     for n, a in enumerate(agency_ids)],
        "groups": [{"id": a, "prefix": chr(ord("A") + n)} for n, a in enumerate(agency_ids)],
        "services": [{"id": s, "agency": agency_of_service[s], "group": agency_of_service[s],
                      "name": {"id": f"Layanan {s[-2:]}", "en": f"Service {s[-2:]}"}, "service_minutes": 4}
                     for s in agency_of_service],
        "counters": counter_rows,
        "staff": staff,
        "schedule": {"weekly": {day: ["00:00-24:00"] for day in WEEK}, "last_ticket_minutes": 0},
        "audio": {"enabled": False},
        "sign": {"enabled": False},
    }
    return Lobby(config, agency_of_service, services_of_agency,
                 [(c["id"], c["agency"], s["user"]) for c, s in zip(counter_rows, staff)], kiosk_keys, display_keys)


# --------------------------------------------------------------------------- the day's plan

@dataclass(frozen=True)
class Arrival:
    at_s: float  # simulated seconds after opening
    service_id: str
    priority: bool
    lang: str


def plan_arrivals(lobby: Lobby, tickets: int, hours: float, rng: random.Random) -> list[Arrival]:
    """Arrivals over the day: a steady stream plus peaks an hour after opening (09:00) and at 13:00."""
    day_s = hours * 3600
    peaks = (day_s / 8, day_s * 5 / 8)
    spread = day_s / 12  # 40 minutes in an 8-hour day
    agencies = list(lobby.services_of_agency)
    agency_weights = [rng.uniform(0.7, 1.3) for _ in agencies]
    service_weights = {s: rng.uniform(0.5, 1.5) for s in lobby.agency_of_service}
    arrivals = []
    for _ in range(tickets):
        shape = rng.random()
        if shape < 0.4:
            at = rng.uniform(0, day_s)
        else:
            at = rng.gauss(peaks[0] if shape < 0.7 else peaks[1], spread)
            at = min(max(at, 0.0), day_s * 0.999)
        agency = rng.choices(agencies, agency_weights)[0]
        mine = lobby.services_of_agency[agency]
        service = rng.choices(mine, [service_weights[s] for s in mine])[0]
        arrivals.append(Arrival(at, service, rng.random() < 0.08, "en" if rng.random() < 0.1 else "id"))
    arrivals.sort(key=lambda a: a.at_s)
    return arrivals


@dataclass
class SimClock:
    """Simulated seconds since opening, ``scale`` of them per wall second."""
    scale: float
    started: float = field(default_factory=time.perf_counter)

    def now(self) -> float:
        return (time.perf_counter() - self.started) * self.scale

    def wall(self, sim_seconds: float) -> float:
        return max(0.0, sim_seconds / self.scale)

    def sleep_until(self, sim_at: float, stop: threading.Event) -> bool:
        """False when stopped first."""
        return not stop.wait(self.wall(sim_at - self.now()))


# --------------------------------------------------------------------------- the server process

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, config_path: Path, db_path: Path, port: int, output: Path):
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "kiosk", "server", "--config", str(config_path), "--db", str(db_path),
                   "--host", "127.0.0.1", "--port", str(port)]
        with open(output, "wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.output = output
        self.ps = psutil.Process(self.process.pid)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {output.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError("the server did not start")

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def rss_mb(self) -> float:
        return self.ps.memory_info().rss / 2**20

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class MemoryWatch(threading.Thread):
    """Samples the server's RSS four times a second."""

    def __init__(self, server: ServerProcess):
        super().__init__(daemon=True)
        self.server = server
        self.max_mb = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.max_mb = max(self.max_mb, self.server.rss_mb())
            except psutil.Error:
                return
            self.stopped.wait(0.25)


# --------------------------------------------------------------------------- displays (own process)

class _CountingStream(EventStream):
    """An EventStream that also counts what the server sent before the client's own once-only filter."""

    def __init__(self, *args, sent_counts: Counter, **kwargs):
        self.sent_counts = sent_counts
        super().__init__(*args, **kwargs)

    def _deliver(self, event: dict) -> None:
        self.sent_counts[int(event["seq"])] += 1
        super()._deliver(event)


class DisplayRecorder:
    def __init__(self, url: str, key: str):
        self.state: LobbyState | None = None
        self.first_seq: int | None = None
        self.delivered: Counter = Counter()
        self.sent: Counter = Counter()
        self.call_arrivals: dict[int, float] = {}
        self.lock = threading.Lock()
        self.stream = _CountingStream(url, key, on_event=self.on_event, on_snapshot=self.on_snapshot,
                                      sent_counts=self.sent)

    def on_snapshot(self, snapshot: dict) -> None:
        with self.lock:
            if self.state is None:
                self.first_seq = snapshot["seq"] + 1
            self.state = LobbyState(snapshot)

    def on_event(self, event: dict) -> None:
        arrived = time.perf_counter()
        seq = event["seq"]
        with self.lock:
            self.delivered[seq] += 1
            if event["type"] == "called":
                self.call_arrivals.setdefault(seq, arrived)
            self.state.apply(event)

    @property
    def seq(self) -> int:
        with self.lock:
            return self.state.seq if self.state is not None else -1

    def result(self, final_seq: int, snapshot: dict) -> dict:
        with self.lock:
            expected = range(self.first_seq, final_seq + 1)
            return {
                "first_seq": self.first_seq,
                "lost": sum(1 for seq in expected if seq not in self.delivered),
                "doubled": sum(n - 1 for n in self.delivered.values() if n > 1),
                "sent_twice": sum(n - 1 for n in self.sent.values() if n > 1),
                "state_equal": self.state.to_snapshot() == snapshot,
                "connections": self.stream.connections,
                "call_arrivals": self.call_arrivals,
            }


def display_process(url: str, keys: list[str], pipe) -> None:
    """Run the displays until told the day's last seq; send back what each received."""
    displays = [DisplayRecorder(url, key) for key in keys]
    deadline = time.monotonic() + 30
    while any(d.seq < 0 for d in displays) and time.monotonic() < deadline:
        time.sleep(0.05)
    pipe.send("ready")
    final_seq, snapshot = pipe.recv()
    deadline = time.monotonic() + 60
    while any(d.seq < final_seq for d in displays) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # anything sent twice would arrive by now
    pipe.send([d.result(final_seq, snapshot) for d in displays])
    for display in displays:
        display.stream.stop()


# --------------------------------------------------------------------------- kiosks and counters

class Journal:
    """Everything the clients did and measured (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.issued: list[tuple[float, float, str]] = []  # (wall time, latency ms, code)
        self.calls: dict[int, float] = {}                  # call event seq -> wall time just before the request
        self.actions: Counter = Counter()
        self.errors: list[str] = []
        self.lag_s = 0.0                                   # how far the kiosks fell behind their schedule (sim s)

    def error(self, who: str, exc: Exception) -> None:
        with self.lock:
            self.actions["unexpected_error"] += 1
            if len(self.errors) < 20:
                self.errors.append(f"{who}: {exc!r}")


class Waiting:
    """Idle counters of an agency wait here for a new ticket, as the counter window waits for events."""

    def __init__(self):
        self.generation = 0
        self.cond = threading.Condition()

    def bump(self) -> None:
        with self.cond:
            self.generation += 1
            self.cond.notify_all()

    def wait_after(self, generation: int, timeout: float) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.generation != generation, timeout)


def warm_up(client: ApiClient, ready: threading.Barrier, go: threading.Event) -> None:
    """This thread's HTTP client made and connected before the day starts (not timed as a visitor's wait)."""
    client.health()
    ready.wait()
    go.wait()


def kiosk_worker(url: str, key: str, arrivals: list[Arrival], clock: SimClock, journal: Journal,
                 stop: threading.Event, ready: threading.Barrier, go: threading.Event) -> None:
    client = ApiClient(url, key, timeout=10)
    try:
        warm_up(client, ready, go)
        for arrival in arrivals:
            if not clock.sleep_until(arrival.at_s, stop):
                return
            lag = clock.now() - arrival.at_s
            sent = time.perf_counter()
            try:
                answer = client.issue(arrival.service_id, priority=arrival.priority, lang=arrival.lang)
            except ApiError as exc:
                journal.error(f"kiosk {key[:8]}", exc)
                continue
            done = time.perf_counter()
            with journal.lock:
                journal.issued.append((done, (done - sent) * 1000, answer["code"]))
                journal.lag_s = max(journal.lag_s, lag)
    finally:
        client.close()


def pause_plan(rng: random.Random, day_s: float) -> list[tuple[float, float]]:
    """(start, length) in simulated seconds: a lunch break for some counters, a short one for others."""
    plan = []
    if rng.random() < 0.4:
        plan.append((day_s * 4 / 8 + rng.uniform(-1800, 1800) * day_s / 28800, rng.uniform(1200, 2700) * day_s / 28800))
    if rng.random() < 0.3:
        plan.append((rng.uniform(day_s * 2 / 8, day_s * 7 / 8), rng.uniform(300, 900) * day_s / 28800))
    return sorted(plan)


def counter_worker(counter_id: str, agency: str, lobby: Lobby, seed: int, clock: SimClock,
                   day_s: float, waiting: dict[str, Waiting], journal: Journal, client: ApiClient,
                   stop: threading.Event, ready: threading.Barrier, go: threading.Event) -> None:
    warm_up(client, ready, go)
    rng = random.Random(seed)
    minute = 60 * day_s / 28800  # one minute of an 8-hour day, scaled to this day's length
    pauses = pause_plan(rng, day_s)
    services = list(lobby.agency_of_service)
    mine = waiting[agency]

    def act(action: str, **body) -> dict | None:
        try:
            answer = client.action(counter_id, action, **body)
        except ApiError as exc:
            journal.error(counter_id, exc)
            return None
        with journal.lock:
            journal.actions[action] += 1
        return answer

    def pause_sim(minutes: float) -> bool:
        return not stop.wait(clock.wall(minutes * minute))

    while not stop.is_set() and clock.now() < day_s:
        if pauses and clock.now() >= pauses[0][0]:
            _start, length = pauses.pop(0)
            act("pause", reason="istirahat")
            if not pause_sim(length / minute):
                return
            act("resume")
            continue
        generation = mine.generation
        sent = time.perf_counter()
        try:
            called = client.action(counter_id, "call-next")
        except ApiError as exc:
            if exc.code == "nothing_waiting":
                mine.wait_after(generation, clock.wall(5 * minute))
            else:
                journal.error(counter_id, exc)
                stop.wait(0.1)
            continue
        with journal.lock:
            journal.calls[called["seq"]] = sent
            journal.actions["call-next"] += 1
        fate = rng.random()
        if fate < 0.06:  # never comes: recalled, then a no-show
            if not pause_sim(1):
                return
            act("recall")
            if not pause_sim(1):
                return
            act("no-show")
            continue
        if fate < 0.14:  # comes only after a recall
            if not pause_sim(0.5):
                return
            act("recall")
        if not pause_sim(rng.uniform(0.3, 1.0)):
            return
        act("start")
        service_minutes = min(30.0, max(0.5, rng.expovariate(1 / 3.5)))
        # the wrong service: sent to another queue of the same agency after a short talk (another agency's
        # service needs a supervisor, whom this bench does not play)
        same_agency = [s for s in services if lobby.agency_of_service[s] == agency
                       and s != called["ticket"]["service_id"]]
        if same_agency and rng.random() < 0.04:
            if not pause_sim(min(service_minutes, 2)):
                return
            act("transfer", service_id=rng.choice(same_agency))
            continue
        if not pause_sim(service_minutes):
            return
        act("finish")


def counter_process(url: str, lobby: Lobby, counter_key: str, seed: int, day_s: float, wall_s: float, pipe) -> None:
    """Log in every counter, follow the lobby's events (as counter windows do), run the counters for the day.

    Sends "ready" once logged in and warmed up, waits for the parent's start instant
    (time.perf_counter, the system-wide monotonic clock), and sends back its journal at the day's end.
    """
    journal = Journal()
    waiting = {agency: Waiting() for agency in lobby.services_of_agency}
    stop, go = threading.Event(), threading.Event()
    clients = []
    for counter_id, _agency, user in lobby.counters:
        client = ApiClient(url, counter_key, timeout=10)
        client.login(user, PIN, counter_id)
        clients.append(client)

    def on_event(event: dict) -> None:
        if event["type"] in ("ticket_issued", "transferred", "rejoined"):
            agency = lobby.agency_of_service.get(event["payload"].get("service_id"))
            if agency is not None:
                waiting[agency].bump()

    with ApiClient(url, counter_key) as reader:
        since = reader.state()["seq"]
    stream = EventStream(url, counter_key, on_event=on_event, since=since)
    clock = SimClock(scale=day_s / wall_s)
    ready = threading.Barrier(len(clients) + 1)
    threads = [threading.Thread(target=counter_worker, name=counter_id, daemon=True, args=(
        counter_id, agency, lobby, seed * 1000 + n, clock, day_s, waiting, journal, client, stop, ready, go))
        for n, ((counter_id, agency, _user), client) in enumerate(zip(lobby.counters, clients))]
    try:
        for thread in threads:
            thread.start()
        ready.wait(60)
        pipe.send("ready")
        clock.started = pipe.recv()
        go.set()
        for thread in threads:
            thread.join(max(1.0, wall_s * 2 + 60 - (time.perf_counter() - clock.started)))
    finally:
        stop.set()
        go.set()
        stream.stop()
        for client in clients:
            client.close()
    pipe.send({"calls": journal.calls, "actions": journal.actions, "errors": journal.errors})


# --------------------------------------------------------------------------- the run

def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def peak_rate(times: list[float], window_s: float) -> float:
    ordered = sorted(times)
    best = 0
    for i, t in enumerate(ordered):
        best = max(best, bisect.bisect_right(ordered, t + window_s) - i)
    return best / window_s


def run_day(*, tickets: int = 10_000, hours: float = 8.0, wall_s: float = 240.0, seed: int = 7,
            counters: int = 100, kiosks: int = 5, displays: int = 10, agencies: int = 20, services: int = 50,
            workdir: Path | None = None, log=print) -> dict:
    from kiosk.pins import hash_pin

    own_dir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="mpp-day-")) if own_dir else Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    lobby = make_lobby(agencies=agencies, services=services, counters=counters, kiosks=kiosks, displays=displays,
                       pin_hash=hash_pin(PIN, salt=rng.randbytes(16)), workdir=workdir)
    config_path = workdir / "config.toml"
    config_path.write_text(to_toml(lobby.config), encoding="utf-8")
    db_path = workdir / "queue.sqlite"
    day_s = hours * 3600
    arrivals = plan_arrivals(lobby, tickets, hours, rng)

    server = ServerProcess(config_path, db_path, free_port(), workdir / "server-output.log")
    memory = MemoryWatch(server)
    memory.start()
    # displays and counters each in a process of their own: 100 counter threads sharing a GIL with
    # the kiosks or the displays would add their own waits to the latencies measured there
    spawn = multiprocessing.get_context("spawn")
    display_pipe, display_end = spawn.Pipe()
    counter_pipe, counter_end = spawn.Pipe()
    counter_key = next(d["key"] for d in lobby.config["server"]["devices"] if d["role"] == "counter-app")
    display_proc = spawn.Process(target=display_process, args=(server.url, lobby.display_keys, display_end),
                                 daemon=True)
    counter_proc = spawn.Process(target=counter_process, daemon=True, args=(
        server.url, lobby, counter_key, seed, day_s, wall_s, counter_end))
    stop, go = threading.Event(), threading.Event()
    journal = Journal()
    threads: list[threading.Thread] = []
    try:
        display_proc.start()
        if not display_pipe.poll(60) or display_pipe.recv() != "ready":
            raise RuntimeError("the displays did not connect")
        log(f"server pid {server.ps.pid} on {server.url}; {displays} displays connected; logging in {counters} staff")
        counter_proc.start()
        if not counter_pipe.poll(120) or counter_pipe.recv() != "ready":
            raise RuntimeError("the counters did not log in")

        clock = SimClock(scale=day_s / wall_s)
        ready = threading.Barrier(kiosks + 1)
        for n, key in enumerate(lobby.kiosk_keys):
            threads.append(threading.Thread(target=kiosk_worker, name=f"kiosk-{n + 1}", daemon=True, args=(
                server.url, key, arrivals[n::kiosks], clock, journal, stop, ready, go)))
        for thread in threads:
            thread.start()
        ready.wait(60)
        log(f"the day begins: {tickets} tickets over {hours:g} h, compressed to {wall_s:g} s "
            f"({clock.scale:.0f}x)")
        cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
        clock.started = wall_before
        counter_pipe.send(wall_before)
        go.set()
        for thread in threads:
            thread.join(timeout=max(1.0, wall_s * 2 + 60 - (time.perf_counter() - wall_before)))
        if not counter_pipe.poll(wall_s + 120):
            raise RuntimeError("the counters did not finish their day")
        counted = counter_pipe.recv()
        stop.set()
        wall = time.perf_counter() - wall_before
        cpu = server.cpu_seconds() - cpu_before
        journal.calls = counted["calls"]
        journal.actions.update(counted["actions"])
        journal.errors += counted["errors"]

        with ApiClient(server.url, lobby.display_keys[0]) as reader:
            snapshot = reader.state()
        display_pipe.send((snapshot["seq"], snapshot))
        if not display_pipe.poll(120):
            raise RuntimeError("the displays did not report")
        display_results = display_pipe.recv()
    finally:
        stop.set()
        go.set()
        memory.stopped.set()
        server.stop()
        for process in (counter_proc, display_proc):
            if process.pid is not None:
                process.join(10)
                if process.is_alive():
                    process.kill()

    with sqlite3.connect(db_path) as db:
        in_db = db.execute("SELECT count(*) FROM tickets").fetchone()[0]
        duplicates = db.execute("SELECT count(*) FROM (SELECT 1 FROM tickets GROUP BY group_id, day, number "
                                "HAVING count(*) > 1)").fetchone()[0]
        states = dict(db.execute("SELECT state, count(*) FROM tickets GROUP BY state"))
    issue_ms = [latency for _at, latency, _code in journal.issued]
    issue_times = [at for at, _latency, _code in journal.issued]
    call_ms = [(result["call_arrivals"][seq] - sent) * 1000
               for seq, sent in journal.calls.items() for result in display_results if seq in result["call_arrivals"]]
    issuing_span = (max(issue_times) - min(issue_times)) if len(issue_times) > 1 else math.nan
    server_issue_ms = server_side_ms(workdir / "logs" / "server.log", "POST", "/api/v1/tickets")
    server_call_ms = server_side_ms(workdir / "logs" / "server.log", "POST", "/call-next")
    result = {
        "tickets": len(journal.issued),
        "tickets_in_db": in_db,
        "duplicate_numbers": duplicates,
        "sim_hours": hours,
        "wall_s": round(wall, 1),
        "tickets_per_s": round(len(journal.issued) / issuing_span, 1),
        "tickets_per_s_peak_5s": round(peak_rate(issue_times, 5.0), 1),
        "issue_ms_p50": round(percentile(issue_ms, 0.50), 2),
        "issue_ms_p95": round(percentile(issue_ms, 0.95), 2),
        "issue_ms_p99": round(percentile(issue_ms, 0.99), 2),
        "server_issue_ms_p50": round(percentile(server_issue_ms, 0.50), 2),
        "server_issue_ms_p99": round(percentile(server_issue_ms, 0.99), 2),
        "calls": len(journal.calls),
        "call_to_display_ms_p50": round(percentile(call_ms, 0.50), 2),
        "call_to_display_ms_p95": round(percentile(call_ms, 0.95), 2),
        "call_to_display_ms_p99": round(percentile(call_ms, 0.99), 2),
        "server_call_next_ms_p50": round(percentile(server_call_ms, 0.50), 2),
        "server_call_next_ms_p99": round(percentile(server_call_ms, 0.99), 2),
        "server_cpu_pct_mean": round(100 * cpu / wall, 1),
        "server_rss_mb_max": round(memory.max_mb, 1),
        "events": snapshot["seq"],
        "displays": len(display_results),
        "lost_events": sum(r["lost"] for r in display_results),
        "doubled_events": sum(r["doubled"] for r in display_results),
        "events_sent_twice": sum(r["sent_twice"] for r in display_results),
        "display_state_mismatches": sum(not r["state_equal"] for r in display_results),
        "display_reconnects": sum(r["connections"] - 1 for r in display_results),
        "recalls": journal.actions["recall"],
        "no_shows": journal.actions["no-show"],
        "transfers": journal.actions["transfer"],
        "pauses": journal.actions["pause"],
        "finished_tickets": states.get("done", 0),
        "still_waiting_tickets": states.get("waiting", 0),
        "unexpected_errors": journal.actions["unexpected_error"],
        "kiosk_lag_sim_s_max": round(journal.lag_s, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        "seed": seed,
    }
    if journal.errors:
        result["first_errors"] = journal.errors[:5]
    if own_dir:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def server_side_ms(log_path: Path, method: str, path_end: str) -> list[float]:
    """Durations of one kind of request as the server measured them (its access log): the server's own share."""
    durations = []
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return durations
    for line in lines:
        if " kiosk.server.access: " not in line:
            continue
        parts = line.split(" kiosk.server.access: ", 1)[1].split()
        if len(parts) >= 4 and parts[0] == method and parts[1].endswith(path_end) and parts[3].endswith("ms"):
            durations.append(float(parts[3][:-2]))
    return durations


def report(result: dict) -> None:
    print(f"{result['tickets']} tickets ({result['tickets_in_db']} in the database, "
          f"{result['duplicate_numbers']} duplicate numbers) over {result['sim_hours']:g} simulated hours "
          f"in {result['wall_s']} s")
    print(f"issuing: {result['tickets_per_s']} tickets/s sustained, {result['tickets_per_s_peak_5s']} at the "
          f"busiest 5 s; latency p50 {result['issue_ms_p50']} ms, p95 {result['issue_ms_p95']} ms, "
          f"p99 {result['issue_ms_p99']} ms (inside the server: p50 {result['server_issue_ms_p50']} ms, "
          f"p99 {result['server_issue_ms_p99']} ms)")
    print(f"{result['calls']} calls -> {result['displays']} displays: p50 {result['call_to_display_ms_p50']} ms, "
          f"p95 {result['call_to_display_ms_p95']} ms, p99 {result['call_to_display_ms_p99']} ms (call-next inside "
          f"the server: p50 {result['server_call_next_ms_p50']} ms, p99 {result['server_call_next_ms_p99']} ms)")
    print(f"server: CPU {result['server_cpu_pct_mean']}% of one core (mean), RSS max {result['server_rss_mb_max']} MB")
    print(f"events: {result['events']}; lost {result['lost_events']}, doubled {result['doubled_events']}, "
          f"sent twice by the server {result['events_sent_twice']}, display states unlike the server's "
          f"{result['display_state_mismatches']}, display reconnects {result['display_reconnects']}")
    print(f"day: {result['recalls']} recalls, {result['no_shows']} no-shows, {result['transfers']} transfers, "
          f"{result['pauses']} pauses; {result['finished_tickets']} finished, {result['still_waiting_tickets']} still waiting; "
          f"{result['unexpected_errors']} unexpected errors; kiosks at most {result['kiosk_lag_sim_s_max']} "
          f"simulated s behind")
    print(f"load average {result['load_average_1min']} on {result['cores']} cores")
    for key, limit in TARGETS.items():
        print(f"target {key} <= {limit:g}: {'met' if result[key] <= limit else 'MISSED'} ({result[key]})")
    exact = result["lost_events"] == 0 and result["doubled_events"] == 0
    print(f"target every display gets every event exactly once: {'met' if exact else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--hours", type=float, default=8.0, help="length of the simulated day")
    parser.add_argument("--wall", type=float, default=None,
                        help="seconds the day takes (default 24 ms per ticket, at least 30 s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--counters", type=int, default=100)
    parser.add_argument("--kiosks", type=int, default=5)
    parser.add_argument("--displays", type=int, default=10)
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--workdir", type=Path, help="keep the config, database and server log here")
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.tickets, args.hours, args.wall = 60, 1.0, 4.0
        args.counters, args.kiosks, args.displays, args.agencies, args.services = 4, 1, 2, 2, 4
    wall = args.wall if args.wall is not None else max(30.0, 0.024 * args.tickets)
    result = run_day(tickets=args.tickets, hours=args.hours, wall_s=wall, seed=args.seed, counters=args.counters,
                     kiosks=args.kiosks, displays=args.displays, agencies=args.agencies, services=args.services,
                     workdir=args.workdir)
    report(result)
    print(f"issue limit raised to {ISSUE_LIMITS['issue_per_minute']}/min per kiosk (burst "
          f"{ISSUE_LIMITS['issue_burst']}) for this benchmark; a lobby's default is 30/min")
    print(json.dumps({**{k: v for k, v in result.items() if k != "first_errors"},
                      "issue_limit_per_minute": ISSUE_LIMITS["issue_per_minute"]}))
    return 0 if result["lost_events"] == 0 and result["doubled_events"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
