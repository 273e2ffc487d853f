"""`make run`: the web server, a Celery worker and Celery beat in one terminal. Ctrl-C stops all three.

Not for production: there, run gunicorn, `celery worker` and `celery beat` under a process manager.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings


def commands() -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", settings.REPAT_ADDRESS],
        # One process is plenty for reminders in development and is safe with SQLite.
        "worker": [python, "-m", "celery", "-A", "repat", "worker", "--pool=solo", "--loglevel=INFO"],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "repat",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
        ],
    }


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repat.settings.dev")
    import django

    django.setup()
    for folder in ("queue", "processed", "control"):
        Path(settings.BROKER_DIR, folder).mkdir(parents=True, exist_ok=True)
    database = settings.DATABASES["default"]
    print("\nRepat is starting.")
    print(f"  Database: {database['ENGINE'].rsplit('.', 1)[-1]} {'(var/)' if 'sqlite' in database['ENGINE'] else ''}")
    print(f"  Broker:   {'Redis' if settings.REDIS_URL else 'filesystem (var/broker)'}")
    print(f"  Open {settings.REPAT_SITE_URL}/ and sign in as")
    print("  worker1, worker2, coordinator1, supervisor1, admin or provider1")
    print("  (password repat-demo). Press Ctrl-C to stop.\n", flush=True)

    processes = {name: subprocess.Popen(cmd) for name, cmd in commands().items()}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
    failed = [name for name, p in processes.items() if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
    if failed and not stopping:
        print(f"Stopped because {', '.join(failed)} exited.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
