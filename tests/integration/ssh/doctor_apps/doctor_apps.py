"""Small Serve apps for the doctor rig test (tests/integration/ssh/doctor.sh): one that answers,
one that raises on every request (a 500 with a traceback in its replica's log), and one that
asks for a GPU the CPU-only rig does not have (its replica stays pending)."""
from ray import serve
from starlette.requests import Request


@serve.deployment(ray_actor_options={"num_cpus": 0})
class Echo:
    async def __call__(self, request: Request) -> dict:
        return {"path": request.url.path}


@serve.deployment(ray_actor_options={"num_cpus": 0})
class Boom:
    async def __call__(self, request: Request) -> dict:
        raise RuntimeError("doctor-rig: this replica fails every request")


@serve.deployment(ray_actor_options={"num_cpus": 0, "num_gpus": 1})
class NeedsGpu:
    async def __call__(self, request: Request) -> dict:
        return {"gpu": True}


echo = Echo.bind()
boom = Boom.bind()
gpu = NeedsGpu.bind()
