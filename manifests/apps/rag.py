"""A multi-stage RAG pipeline for Ray Serve (Normalizer -> Retriever -> Generator behind a
RagPipeline ingress), after the lab in shared/background/002: each stage is its own deployment
with its own resource shape, so each can be scaled where its queue forms.

It runs on a CPU-only Ray with no downloads: the Retriever scores a small in-memory corpus with
BM25, and the Generator composes its answer deterministically from the retrieved passages.
Two different questions therefore come back with different contexts.

Deploy with `rayctl serve deploy manifests/serve/rag.yaml`; query with
    curl -s localhost:8000/ -d '{"query": "How does Ray Serve route requests?"}'
"""

import math
import re
from collections import Counter
from typing import Dict, List

from ray import serve
from starlette.requests import Request

# The knowledge base: one short passage per topic, as in the lab.
CORPUS: Dict[str, str] = {
    "kubernetes": "Kubernetes manages desired state for containerized workloads: pods, services and nodes.",
    "ray": "Ray distributes Python tasks and actors across a cluster and accounts CPU and GPU resources.",
    "serve": "Ray Serve routes HTTP requests to distributed deployment replicas and scales each deployment.",
    "gpu": "GPU scheduling requires both Kubernetes device allocation and Ray resource accounting for num_gpus.",
    "autoscaling": "Serve autoscaling adds replicas when ongoing requests per replica exceed the target.",
    "kuberay": "KubeRay runs Ray clusters on Kubernetes with RayCluster, RayJob and RayService resources.",
    "logs": "Replica logs live under the session's logs/serve directory and explain startup failures.",
}

STOPWORDS = {"a", "an", "and", "are", "do", "does", "for", "how", "i", "in", "is", "it", "of",
             "on", "the", "to", "what", "when", "which", "why", "with", "should", "can", "my"}


def tokenize(text: str) -> List[str]:
    return [t for t in re.findall(r"[a-z0-9_]+", text.lower()) if t not in STOPWORDS]


@serve.deployment(num_replicas=1, ray_actor_options={"num_cpus": 0.25})
class Normalizer:
    """Lower-cases and collapses whitespace, the cheap first stage."""

    def normalize(self, query: str) -> str:
        return " ".join(query.lower().strip().split())


@serve.deployment(num_replicas=1, ray_actor_options={"num_cpus": 0.5})
class Retriever:
    """BM25 over the in-memory corpus; returns the best passages with their scores."""

    def __init__(self, top_k: int = 2):
        self.top_k = top_k
        self.docs = {key: tokenize(key + " " + text) for key, text in CORPUS.items()}
        self.avg_len = sum(len(d) for d in self.docs.values()) / len(self.docs)
        df = Counter(t for d in self.docs.values() for t in set(d))
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def reconfigure(self, config: dict):
        # user_config: applied in place, without restarting the replica.
        self.top_k = int(config.get("top_k", self.top_k))

    def score(self, terms: List[str], doc: List[str], k1: float = 1.2, b: float = 0.75) -> float:
        tf = Counter(doc)
        s = 0.0
        for t in terms:
            if t in tf:
                f = tf[t]
                s += self.idf[t] * f * (k1 + 1) / (f + k1 * (1 - b + b * len(doc) / self.avg_len))
        return s

    def retrieve(self, query: str) -> List[dict]:
        terms = tokenize(query)
        ranked = sorted(((self.score(terms, d), k) for k, d in self.docs.items()), reverse=True)
        hits = [{"id": k, "score": round(s, 4), "text": CORPUS[k]} for s, k in ranked[: self.top_k] if s > 0]
        return hits


@serve.deployment(
    autoscaling_config={"min_replicas": 1, "max_replicas": 3, "target_ongoing_requests": 4},
    ray_actor_options={"num_cpus": 0.5},
)
class Generator:
    """A deterministic answer composer standing in for an LLM (no model download)."""

    def generate(self, query: str, passages: List[dict]) -> str:
        if not passages:
            return f"No matching context was found for: {query}"
        sources = "; ".join(p["text"] for p in passages)
        return f"Question: {query}\nAnswer from context [{', '.join(p['id'] for p in passages)}]: {sources}"


@serve.deployment(ray_actor_options={"num_cpus": 0.25})
class RagPipeline:
    """The HTTP ingress: normalize, retrieve, generate."""

    def __init__(self, normalizer, retriever, generator):
        self.normalizer = normalizer
        self.retriever = retriever
        self.generator = generator

    async def __call__(self, request: Request) -> dict:
        try:
            body = await request.json()
        except Exception:
            body = {}
        query = str(body.get("query", "")) if isinstance(body, dict) else ""
        clean = await self.normalizer.normalize.remote(query)
        passages = await self.retriever.retrieve.remote(clean)
        answer = await self.generator.generate.remote(clean, passages)
        return {
            "query": query,
            "normalized_query": clean,
            "context": [p["text"] for p in passages],
            "sources": [p["id"] for p in passages],
            "answer": answer,
        }


app = RagPipeline.bind(Normalizer.bind(), Retriever.bind(), Generator.bind())
