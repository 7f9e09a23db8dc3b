"""The queue server's routes, one router per resource (each route's access: kiosk.server.access.ROUTE_ACCESS).

- :mod:`.lobby` — health, catalog, snapshot, the live event stream;
- :mod:`.tickets` — issue, a ticket's status, rejoin, survey, void, a ticket's own stream;
- :mod:`.sessions` — staff login and logout;
- :mod:`.counters` — the counter actions (one route per row of kiosk.protocol.actions.ACTIONS), waiting, stats;
- :mod:`.devices` — reports from devices (printer faults) and the security events;
- :mod:`.phone_page` — the ticket holder's phone page (HTML, without JavaScript too).

Enrolment and the device registry (kiosk.server.devices_api) and the reports (kiosk.server.reports_api)
add their routes with state of their own (rate buckets, report slots).
"""
