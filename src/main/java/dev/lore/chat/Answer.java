package dev.lore.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An answer to a question.
 *
 * @param answer the text, with [n] markers pointing at {@code citations}
 * @param mode {@code generative} (a model wrote it) or {@code extractive} (quoted passages, no model used)
 * @param citations the retrieved chunks the answer relies on
 * @param model the model that wrote it, when generative
 * @param notice why no model was used, when extractive
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Answer(String answer, String mode, List<Citation> citations, String model, String notice) {
    public static final String GENERATIVE = "generative";
    public static final String EXTRACTIVE = "extractive";
}
