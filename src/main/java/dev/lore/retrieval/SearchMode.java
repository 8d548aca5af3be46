package dev.lore.retrieval;

/** Which retrieval branches run: both fused by reciprocal rank fusion (the default), or one alone. */
public enum SearchMode {
    HYBRID, VECTOR, FULLTEXT
}
