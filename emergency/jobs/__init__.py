"""Scheduled jobs (定时任务): module-level job functions and the ONE place that starts APScheduler.

* ``context``      what a job needs (database, river network, plans, settings, clock), built from
                   the application once, handed to the job threads
* ``leases``       the database lease naming the one process that runs the jobs
* ``runner``       runs one job: claims its occurrence (once across processes), records the run
* ``tasks``        the job functions: refresh campaign, nightly checks, flood-season switch,
                   inbox pickup (and their bodies)
* ``definitions``  job ids, triggers and misfire grace, from the configuration
* ``scheduler``    :class:`JobScheduler` — starts APScheduler (embedded or ``flask scheduler run``)
* ``cli``          ``flask scheduler …`` and ``flask inventory …`` commands

How "exactly once" is achieved is told in :mod:`emergency.jobs.scheduler`.
"""
