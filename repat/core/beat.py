"""One Celery beat at a time, however many are started (docs/deploy.md).

Two beats would send every periodic task twice. `SingleBeatScheduler` (CELERY_BEAT_SCHEDULER) holds
a lease in the database while it schedules and renews it on every tick; a second beat finds the
lease held and stands by, sending nothing, and takes over within BEAT_LEASE_SECONDS of the first
stopping or dying. So a mistake is harmless, and a standby beat on another machine is a feature."""

import logging

from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

BEAT_LEASE = "celery-beat"
BEAT_LEASE_SECONDS = 60
# A tick renews the lease; ticks come at least this often so that it never lapses while held.
RENEW_EVERY = BEAT_LEASE_SECONDS / 4


class SingleBeatScheduler(PersistentScheduler):
    holder: str | None = None
    standing_by: bool | None = None
    database_down: bool | None = None

    def _holds_lease(self) -> bool:
        """Does this beat hold the lease (renewed or taken now)? While the database does not answer
        (a restart, a failover) it cannot know: it sends nothing and keeps its token, so that it
        renews the same lease when the database is back, instead of dying (celery beat ends on an
        error in a tick) and leaving nothing scheduled."""
        from django.db import DatabaseError, close_old_connections, connection

        # As before a request or a task: a connection the database dropped is replaced (never
        # inside a transaction, where closing it would lose the transaction: only a test's).
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            held = self._renew_or_take()
        except DatabaseError:
            if self.database_down is not True:
                logger.warning("The database does not answer; this beat sends nothing until it does.")
            self.database_down = True
            return False
        if self.database_down:
            logger.info("The database answers again.")
        self.database_down = False
        return held

    def _renew_or_take(self) -> bool:
        from .locks import lease_acquire, lease_renew

        if self.holder and lease_renew(BEAT_LEASE, self.holder, BEAT_LEASE_SECONDS):
            return True
        was_holding, self.holder = self.holder, lease_acquire(BEAT_LEASE, BEAT_LEASE_SECONDS)
        if self.holder and not was_holding:
            logger.info("This beat now schedules the periodic tasks.")
        elif not self.holder and self.standing_by is not True:
            logger.warning("Another beat schedules the periodic tasks; this one stands by.")
        self.standing_by = self.holder is None
        return self.holder is not None

    def tick(self, *args, **kwargs):
        if not self._holds_lease():
            return RENEW_EVERY  # standing by: another beat schedules
        return min(super().tick(*args, **kwargs), RENEW_EVERY)

    def close(self):
        from .locks import lease_release

        if self.holder:
            lease_release(BEAT_LEASE, self.holder)
            self.holder = None
        super().close()
