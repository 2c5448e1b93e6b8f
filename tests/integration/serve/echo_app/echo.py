"""A tiny Serve app for the integration test: it answers with the marker found in its own
working_dir (marker.txt, written by the test), proving the code ran from the uploaded dir."""
import os

from ray import serve
from starlette.requests import Request


@serve.deployment(ray_actor_options={"num_cpus": 0})
class Echo:
    def __init__(self):
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "marker.txt")) as f:
            self.marker = f.read().strip()

    async def __call__(self, request: Request) -> dict:
        return {"marker": self.marker, "cwd": os.getcwd()}


app = Echo.bind()
