import logging


class WarningsOnly(logging.Filter):
    """Let through warnings and errors only, whatever level a logger is later set to (a DEBUG
    run of the whole site must still not write page contexts, which hold names, to the logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING
