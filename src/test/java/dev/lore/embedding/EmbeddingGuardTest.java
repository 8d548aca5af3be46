package dev.lore.embedding;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.Api;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** An index built by one embedding model is never silently searched or extended with another's vectors. */
@QuarkusTest
class EmbeddingGuardTest {

    @Inject AgroalDataSource dataSource;
    @Inject EmbeddingService embeddings;

    @Test
    void anotherModelIsRefusedWithInstructionsUnlessReembedIsAsked() throws Exception {
        Path dir = Files.createTempDirectory("lore-guard");
        Files.writeString(dir.resolve("note.md"), "# Note\n\nSomething is indexed, so the index is not empty.\n");
        Api.assertStatus(Api.syncAndWait(Api.createFilesystemSource("guard", dir)), "succeeded");

        assertFalse(EmbeddingService.checkIndex(dataSource, embeddings.modelName(), embeddings.dimension(), false));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EmbeddingService.checkIndex(dataSource, "bge-small-zh-v1.5-q", 512, false));
        assertTrue(e.getMessage().contains("built with embedding model '" + embeddings.modelName() + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("lore.embedding.reembed-on-mismatch=true"), e.getMessage());
        assertTrue(EmbeddingService.checkIndex(dataSource, "bge-small-zh-v1.5-q", 512, true));
        // the check alone changes nothing: the index still belongs to the configured model
        assertFalse(EmbeddingService.checkIndex(dataSource, embeddings.modelName(), embeddings.dimension(), false));
    }

    @Test
    void unknownModelNamesListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddingModels.spec("gpt-embed-9000"));
        assertTrue(e.getMessage().contains("bge-small-en-v1.5-q"), e.getMessage());
    }
}
