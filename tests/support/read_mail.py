"""Reads an email as mail clients do, for Kairos's tests: Python's email
package for the MIME structure and the `icalendar` package (pip) for the
invitation, neither of them Kairos's own code. Prints JSON.

    python3 read_mail.py FILE.eml
"""

import email
import email.policy
import json
import sys

from icalendar import Calendar


def main():
    with open(sys.argv[1], "rb") as f:
        message = email.message_from_binary_file(f, policy=email.policy.default)
    out = {
        "from": str(message["From"]),
        "to": str(message["To"]),
        "reply_to": str(message["Reply-To"]) if message["Reply-To"] else None,
        "subject": str(message["Subject"]),
        "message_id": str(message["Message-ID"]),
        "language": str(message["Content-Language"]) if message["Content-Language"] else None,
        "structure": [part.get_content_type() for part in message.walk()],
        "text": None,
        "html": None,
        "invitations": [],
    }
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/plain" and out["text"] is None:
            out["text"] = part.get_content()
        elif kind == "text/html" and out["html"] is None:
            out["html"] = part.get_content()
        elif kind == "text/calendar":
            raw = part.get_payload(decode=True)
            calendar = Calendar.from_ical(raw)
            events = []
            for event in calendar.walk("VEVENT"):
                organizer = event.get("ORGANIZER")
                attendees = event.get("ATTENDEE", [])
                if not isinstance(attendees, list):
                    attendees = [attendees]
                events.append({
                    "uid": str(event.get("UID")),
                    "sequence": int(event.get("SEQUENCE", 0)),
                    "status": str(event.get("STATUS")),
                    "start": event.decoded("DTSTART").isoformat(),
                    "end": event.decoded("DTEND").isoformat(),
                    "summary": str(event.get("SUMMARY")),
                    "description": str(event.get("DESCRIPTION", "")),
                    "location": str(event.get("LOCATION")) if event.get("LOCATION") else None,
                    "organizer": {
                        "email": str(organizer).removeprefix("mailto:"),
                        "cn": str(organizer.params.get("CN")),
                    },
                    "attendees": [
                        {
                            "email": str(a).removeprefix("mailto:"),
                            "cn": str(a.params.get("CN")),
                            "partstat": str(a.params.get("PARTSTAT")),
                            "rsvp": str(a.params.get("RSVP")),
                            "role": str(a.params.get("ROLE")),
                        }
                        for a in attendees
                    ],
                })
            out["invitations"].append({
                "content_type": part["Content-Type"],
                "method_param": part.get_param("method"),
                "attachment": part.get_content_disposition() == "attachment",
                "method": str(calendar.get("METHOD")),
                "events": events,
            })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
