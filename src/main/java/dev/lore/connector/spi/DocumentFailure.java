package dev.lore.connector.spi;

/**
 * A document a connector could not read; reported in the run, never thrown, so one bad document stops nothing.
 *
 * @param documentKey the document's identity inside its source
 * @param message why, in words a user can act on
 */
public record DocumentFailure(String documentKey, String message) {}
