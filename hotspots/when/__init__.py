"""When to patrol: aoristic day-by-hour profiles and patrol windows from a records extract.

- :mod:`.aoristic`: each crime's weight spread over the minutes between its from and to times
  (Ratcliffe 2002) into the 168 hours of the week, Monday 00:00 first;
- :mod:`.windows`: the two or three best patrol windows of a profile, in words;
- :mod:`.clock`: the 7x24 heat clock as an escaped HTML table (map popups, briefings);
- :mod:`.stage`: the pipeline stage that gives the force, each zone and each spot a profile.
"""
