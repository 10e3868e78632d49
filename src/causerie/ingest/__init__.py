"""Ingestion: loaders turn a file or URL into a Document; the chunker cuts it into Chunks.

load_source(target) -> Document -> detect_language(doc.text) -> chunk_document(doc)
"""
