"""Load test: people of every role opening the pages they use most, against the app under gunicorn.

Run through `make load` (`manage.py bench_load`), which signs the people in, writes their sessions
and pages to the file named by REPAT_LOAD_PEOPLE, starts gunicorn and then locust with this file.
Each simulated person is one of those people and opens one of their pages every 1 to 3 seconds.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

with open(os.environ["REPAT_LOAD_PEOPLE"], encoding="utf-8") as people_file:
    PEOPLE = json.load(people_file)
_next_person = itertools.cycle(PEOPLE)


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.person = next(_next_person)

    @task
    def open_a_page(self):
        # Each page names its own session (a search is kept in a session of its own), sent with
        # the request rather than kept in the jar.
        name, url, session = random.choice(self.person["pages"])  # noqa: S311 - a page, not a secret
        self.client.cookies.clear()
        cookies = {self.person["cookie"]: session}
        with self.client.get(url, name=name, cookies=cookies, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{name}: {response.status_code}")
