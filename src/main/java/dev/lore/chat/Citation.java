package dev.lore.chat;

import java.util.UUID;

/**
 * A source an answer relies on; always one of the chunks retrieved for that answer.
 *
 * @param index the number used in the answer text ({@code [1]})
 * @param chunkId the retrieved chunk
 * @param documentId its document
 * @param title document title
 * @param uri where the original is
 * @param headingPath "Chapter > Section"
 * @param quote the passage of the chunk that best matches the question (at most about 400 characters)
 */
public record Citation(int index, UUID chunkId, UUID documentId, String title, String uri, String headingPath, String quote) {}
