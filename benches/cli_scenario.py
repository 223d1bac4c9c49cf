#!/usr/bin/env python3
"""Writes the command-line benchmark's scenario: a round robin over 50 hosts
for 30 days, 450 busy intervals and 50 weekly recurring events per host
(22,500 and 2,500 in all), the same shape as benches/engine.rs.

Usage: benches/cli_scenario.py > /tmp/rr50.json
Deterministic: the same file every run."""
import json
import sys

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney",
         "America/Los_Angeles"]
DAY = 86_400
START = 1_780_272_000  # 2026-06-01T00:00:00Z


class Lcg:
    def __init__(self, seed):
        self.state = seed

    def next(self, below):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.state >> 33) % below


def iso(seconds):
    import datetime
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def host(i, rng, days=30, events=500, recurring=50):
    zone = ZONES[i % len(ZONES)]
    span = days * DAY
    busy = []
    for _ in range(events - recurring):
        s = START + rng.next(span // 900) * 900
        busy.append({"start": iso(s), "end": iso(s + 60 * (15 + 15 * rng.next(8)))})
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kairos//bench//EN"]
    for n in range(recurring):
        day = 1 + rng.next(28)
        hour = 8 + rng.next(10)
        byday = ["MO", "TU", "WE", "TH", "FR"][rng.next(5)]
        lines += ["BEGIN:VEVENT", f"UID:series-{i}-{n}", "DTSTAMP:20260101T000000Z",
                  f"DTSTART;TZID={zone}:202602{day:02}T{hour:02}0000", "DURATION:PT45M",
                  f"RRULE:FREQ=WEEKLY;BYDAY={byday}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    bookings = [{"start": iso(START + rng.next(span // 1800) * 1800), "status": "accepted"}
                for _ in range(10)]
    hours = [["08:00", "12:00"], ["13:00", "18:00"]]
    return {
        "id": f"host-{i:03}",
        "schedule": {"timezone": zone,
                     "weekly": {d: hours for d in ["mon", "tue", "wed", "thu", "fri"]}},
        "busy": busy,
        "events": ["\r\n".join(lines) + "\r\n"],
        "bookings": bookings,
    }


def main():
    hosts_count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rng = Lcg(42)
    scenario = {
        "now": "2026-05-31T12:00:00Z",
        "range": {"start": iso(START), "end": iso(START + 30 * DAY)},
        "event_type": {"kind": "round_robin", "timezone": "Europe/London",
                       "duration_minutes": 30, "slot_interval_minutes": 15,
                       "buffer_before_minutes": 5, "buffer_after_minutes": 10,
                       "min_notice_minutes": 60, "daily_limit": 6},
        "hosts": [host(i, rng) for i in range(hosts_count)],
    }
    json.dump(scenario, sys.stdout)


if __name__ == "__main__":
    main()
