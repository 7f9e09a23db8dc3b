"""A seeded simulator of lobby history: arrivals, calls, recalls, no-shows, transfers and surveys,
driven through the real QueueEngine with a fake clock. Same seed, same history."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from kiosk.clock import FakeClock
from kiosk.config import Config
from kiosk.engine import QueueEngine
from kiosk.errors import QueueError
from kiosk.schedule import service_status
from kiosk.store import Store


@dataclass
class SimulationResult:
    tickets: int = 0
    refused: int = 0
    surveys: int = 0
    days: list[date] = field(default_factory=list)


def simulate(config: Config, db_path, first_day: date, last_day: date, *, seed: int = 1,
             arrivals_per_hour: float = 6.0, no_show_rate: float = 0.06, transfer_rate: float = 0.04,
             survey_rate: float = 0.5, step_minutes: int = 2) -> SimulationResult:
    rng = random.Random(seed)
    tz = config.lobby.tz
    clock = FakeClock(datetime.combine(first_day, time(7, 0), tzinfo=tz))
    store = Store(db_path)
    engine = QueueEngine(config, store, clock, token_factory=lambda: f"t{rng.getrandbits(64):016x}")
    result = SimulationResult()
    services = config.services
    counters = config.counters
    # per counter: (ticket state, minute it becomes due, service minutes)
    busy: dict[str, tuple[str, datetime]] = {}
    day = first_day
    try:
        while day <= last_day:
            start = datetime.combine(day, time(7, 30), tzinfo=tz)
            end = datetime.combine(day, time(16, 0), tzinfo=tz)
            if not any(service_status(config, s, start.replace(hour=10), 0).is_open for s in services):
                day += timedelta(days=1)
                continue
            result.days.append(day)
            for counter in counters:
                engine.open_counter(counter.id, "sim")
            busy.clear()
            now = start
            while now < end:
                clock.set(now)
                # arrivals: more in the morning peak
                rate = arrivals_per_hour * (1.6 if 9 <= now.hour < 11 else 1.0) * step_minutes / 60
                for _ in range(_poisson(rng, rate * len(services) / 3)):
                    service = rng.choice(services)
                    priority = service.priority_allowed and rng.random() < 0.08
                    try:
                        issued = engine.issue_ticket(service.id, priority=priority, lang=rng.choice(["id", "en"]))
                        result.tickets += 1
                        del issued
                    except QueueError:
                        result.refused += 1
                for counter in counters:
                    _step_counter(engine, counter, busy, now, rng, no_show_rate, transfer_rate, survey_rate,
                                  config, result)
                now += timedelta(minutes=step_minutes)
            for counter in counters:
                # close the day at each counter: finish what is at the counter
                state = busy.pop(counter.id, None)
                if state:
                    try:
                        engine.finish(counter.id)
                    except QueueError:
                        pass
            day += timedelta(days=1)
    finally:
        store.close()
    return result


def _step_counter(engine, counter, busy, now, rng, no_show_rate, transfer_rate, survey_rate, config, result):
    state = busy.get(counter.id)
    if state is None:
        try:
            engine.call_next(counter.id)
        except QueueError:
            return
        busy[counter.id] = ("called", now + timedelta(minutes=rng.choice([1, 2, 2, 3])))
        return
    phase, due = state
    if now < due:
        return
    if phase == "called":
        if rng.random() < no_show_rate:
            for _ in range(config.queue.recalls_before_no_show):
                engine.recall(counter.id)
            engine.no_show(counter.id)
            busy.pop(counter.id)
            return
        engine.start(counter.id)
        minutes = max(1, int(rng.gauss(10, 4)))
        busy[counter.id] = ("serving", now + timedelta(minutes=minutes))
    elif phase == "serving":
        others = [s for s in config.services if s.id not in counter.services]
        if others and rng.random() < transfer_rate:
            # the simulated lobby's transfers go to other agencies: a supervisor approves them
            engine.transfer(counter.id, rng.choice(others).id, supervisor=True)
        else:
            ticket = engine.finish(counter.id)
            if rng.random() < survey_rate:
                scores = [min(4, max(1, round(rng.gauss(3.3, 0.7)))) for _ in range(9)]
                engine.submit_survey(ticket.token, scores, "", survey_token=engine.survey_token(ticket.token))
                result.surveys += 1
        busy.pop(counter.id)


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means of a lobby minute
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
